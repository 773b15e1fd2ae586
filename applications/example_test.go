package applications_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/ticketd/ticketd/applications"
)

// The agency's system answers GET /applications/NUMBER with the status and
// the address registered for the application.
func ExampleNewHTTP() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/applications/2026-004512" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"status": "approved", "email": "m.sidorova@example.ru"}`)
	}))
	defer srv.Close()

	reg, err := applications.NewHTTP(srv.URL+"/applications/{number}", nil)
	if err != nil {
		panic(err)
	}
	app, err := reg.Lookup(context.Background(), "2026-004512")
	fmt.Println(app.Status, err, app.RegisteredTo("M.Sidorova@example.ru"), app.RegisteredTo("someone@example.org"))
	_, err = reg.Lookup(context.Background(), "2026-000000")
	fmt.Println(err)
	// Output:
	// approved <nil> true false
	// applications: unknown application number
}

func ExampleOpenFile() {
	path := filepath.Join(os.TempDir(), "ticketd-example-applications.csv")
	os.WriteFile(path, []byte("number,status,email\n2026-004512,in_progress,m.sidorova@example.ru\n"), 0o600)
	defer os.Remove(path)

	reg, err := applications.OpenFile(path)
	if err != nil {
		panic(err)
	}
	app, err := reg.Lookup(context.Background(), "2026-004512")
	fmt.Println(app.Status, app.Email, err)
	// Output: in_progress m.sidorova@example.ru <nil>
}
