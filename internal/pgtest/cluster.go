package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// ErrNotInstalled is returned (wrapped) by Launch when initdb or postgres
// cannot be found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL not installed")

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	dir  string // temporary directory: data/, the socket, the log
	port int
	cmd  *exec.Cmd
	done chan error // postgres's exit
	n    atomic.Int64
	keep bool     // Close leaves dir: a cluster of LaunchAt
	opts []string // settings of postgres beyond the test ones
}

// superuser is the role initdb makes, and the one tests connect as.
const superuser = "postgres"

// Launch makes a cluster in a new temporary directory and starts it; Close
// stops it and removes the directory.
func Launch() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	// The directory's parent must be traversable by the postgres user when
	// running as root; os.TempDir is /tmp, which is.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir}
	if err := c.start(bin); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// LaunchAt starts a cluster kept in dir between runs, making it there
// first when dir holds none: for benchmarks whose database takes long to
// build. Close stops it and leaves dir. Durability is off as in Launch,
// so a machine that stops mid-run may leave the cluster damaged: remove
// dir then. settings are more postgres settings ("shared_buffers=1GB").
// When running as root, dir and its parents must be traversable by the
// postgres user (not under /root).
func LaunchAt(dir string, settings ...string) (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, keep: true, opts: settings}
	if err := c.start(bin); err != nil {
		return nil, err
	}
	return c, nil
}

// URL returns the URL of the database name on c.
func (c *Cluster) URL(name string) string { return c.url(name) }

// EnsureDatabase makes the database name on c unless it exists, and
// returns its URL.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) (string, error) {
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("pgtest: look for database %s: %w", name, err)
	}
	if !exists {
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
			return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
		}
	}
	return c.url(name), nil
}

// findBin returns the directory of the newest installed PostgreSQL's
// programs (Debian's /usr/lib/postgresql/N/bin), or of initdb in PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("%w: no /usr/lib/postgresql/*/bin/initdb nor initdb in PATH; install it with apt-get install postgresql (\"make deps\" does this)", ErrNotInstalled)
}

// version is the major version in a path /usr/lib/postgresql/N/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// start runs initdb, then postgres on a free port, and waits until it
// accepts connections; it tries a new port when the one chosen was taken.
func (c *Cluster) start(bin string) error {
	cred, err := owner(c.dir)
	if err != nil {
		return err
	}
	data := filepath.Join(c.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err == nil && c.keep {
		return c.serveTries(bin, data, cred) // made by an earlier LaunchAt
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", superuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w: %s", err, out)
	}
	return c.serveTries(bin, data, cred)
}

// serveTries starts postgres, trying a new port when the one chosen was
// taken.
func (c *Cluster) serveTries(bin, data string, cred *syscall.Credential) error {
	var last error
	for range 3 {
		if last = c.serve(bin, data, cred); last == nil {
			return nil
		}
	}
	return last
}

// serve starts postgres on a free loopback port.
func (c *Cluster) serve(bin, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close()
	if cred != nil {
		os.Chown(log.Name(), int(cred.Uid), int(cred.Gid))
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=64MB")
	for _, o := range c.opts {
		cmd.Args = append(cmd.Args, "-c", o)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.cmd, c.port, c.done = cmd, port, make(chan error, 1)
	go func() { c.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			out, _ := os.ReadFile(log.Name())
			c.cmd = nil
			return fmt.Errorf("pgtest: postgres exited: %v: %s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if c.ping() == nil {
			return nil
		}
	}
	c.stop()
	return fmt.Errorf("pgtest: postgres did not accept connections on port %d within 30s", port)
}

// ping connects to the cluster's postgres database once.
func (c *Cluster) ping() error {
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// url is the URL of database name on the cluster.
func (c *Cluster) url(name string) string {
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase makes a new empty database and returns its URL.
func (c *Cluster) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test%d", c.n.Add(1))
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return c.url(name), nil
}

// Close stops the cluster and removes its directory (a cluster of
// LaunchAt keeps it).
func (c *Cluster) Close() error {
	err := c.stop()
	if c.keep {
		return err
	}
	if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
		err = fmt.Errorf("pgtest: remove %s: %w", c.dir, rerr)
	}
	return err
}

// stop asks postgres for a fast shutdown and waits for it, killing it
// after 10 seconds.
func (c *Cluster) stop() error {
	if c.cmd == nil {
		return nil
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	c.cmd = nil
	return nil
}

// owner returns the credential initdb and postgres run with: nil (the
// current user) unless this process is root, then the postgres system
// user, who is given dir.
func owner(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and there is no postgres user to run it as: %v", ErrNotInstalled, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort asks the kernel for an unused port by listening on port 0.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CopyDatabase makes a new database holding what the database at the URL
// from holds (CREATE DATABASE ... TEMPLATE), and returns its URL. Nothing
// may be connected to from meanwhile.
func (c *Cluster) CopyDatabase(ctx context.Context, from string) (string, error) {
	u, err := url.Parse(from)
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	name := fmt.Sprintf("test%d", c.n.Add(1))
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	src := strings.TrimPrefix(u.Path, "/")
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+src); err != nil {
		return "", fmt.Errorf("pgtest: copy database %s: %w", src, err)
	}
	return c.url(name), nil
}
