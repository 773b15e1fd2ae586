package oauthtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// deviceLifetime is how long a device code may be polled.
const deviceLifetime = 10 * time.Minute

// device is a pending device authorization (RFC 8628).
type device struct {
	userCode string
	clientID string
	scope    string
	expires  time.Time
	state    deviceState
	username string // who approved
	lastPoll time.Time
}

// deviceState is where a device authorization stands.
type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceUsed
)

// deviceResponse is the device authorization response (RFC 8628 section 3.2).
type deviceResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// handleDevice serves the device authorization endpoint.
func (s *Server) handleDevice(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clientID, ok := s.clientOK(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	dc := randomString("dc-", 16)
	uc := strings.ToUpper(randomString("", 4))
	uc = uc[:4] + "-" + uc[4:]
	s.devices[dc] = &device{
		userCode: uc,
		clientID: clientID,
		scope:    scopeOf(r),
		expires:  time.Now().Add(deviceLifetime),
	}
	interval := int64((s.opts.DeviceInterval + time.Second - 1) / time.Second)
	writeJSON(w, http.StatusOK, deviceResponse{
		DeviceCode:              dc,
		UserCode:                uc,
		VerificationURI:         s.URL + "/device",
		VerificationURIComplete: s.URL + "/device?user_code=" + uc,
		ExpiresIn:               int64(deviceLifetime / time.Second),
		Interval:                interval,
	})
}

// deviceTokenLocked answers grant_type=device_code (RFC 8628 section 3.5).
func (s *Server) deviceTokenLocked(w http.ResponseWriter, r *http.Request, clientID string) {
	d, ok := s.devices[r.PostFormValue("device_code")]
	switch {
	case !ok || d.clientID != clientID || d.state == deviceUsed:
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
		return
	case time.Now().After(d.expires):
		writeError(w, http.StatusBadRequest, "expired_token", "")
		return
	case d.state == deviceDenied:
		writeError(w, http.StatusBadRequest, "access_denied", "")
		return
	case d.state == devicePending:
		d.lastPoll = time.Now()
		writeError(w, http.StatusBadRequest, "authorization_pending", "")
		return
	}
	d.state = deviceUsed
	g := s.newGrantLocked(d.username, d.clientID, d.scope)
	s.writeTokensLocked(w, g)
}

// PendingUserCodes returns the user codes of device authorizations that
// wait for approval, oldest first is not promised.
func (s *Server) PendingUserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var codes []string
	for _, d := range s.devices {
		if d.state == devicePending && time.Now().Before(d.expires) {
			codes = append(codes, d.userCode)
		}
	}
	return codes
}

// Approve approves the device authorization with userCode for
// Options.Username, as the user would in a browser; the client's next poll
// gets tokens.
func (s *Server) Approve(userCode string) error {
	return s.decide(userCode, "", deviceApproved)
}

// ApproveAs is Approve for another account.
func (s *Server) ApproveAs(userCode, username string) error {
	return s.decide(userCode, username, deviceApproved)
}

// Deny refuses the device authorization with userCode; the client's next
// poll gets access_denied.
func (s *Server) Deny(userCode string) error {
	return s.decide(userCode, "", deviceDenied)
}

// decide settles a pending device authorization.
func (s *Server) decide(userCode, username string, st deviceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && d.state == devicePending {
			d.state = st
			d.username = username
			return nil
		}
	}
	return fmt.Errorf("oauthtest: no pending device authorization with user code %q", userCode)
}

// handleVerify serves the verification URI: opened with ?user_code=… (the
// verification_uri_complete) it approves that code for Options.Username, as
// a user who signs in and consents would, so a test can play the browser.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	if code == "" {
		http.Error(w, "oauthtest: open the verification_uri_complete, or call Server.Approve", http.StatusBadRequest)
		return
	}
	if err := s.Approve(code); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fmt.Fprintln(w, "oauthtest: approved; return to your device")
}
