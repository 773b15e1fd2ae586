// Package oauthtest runs an OAuth 2.0 authorization server for ticketd's
// tests: just enough of RFC 6749, RFC 8628 (device authorization), RFC 7636
// (PKCE) and RFC 7662 (token introspection) to log in, refresh, and let a
// real Dovecot check the access tokens ticketd presents.
//
// A Server lives on an httptest server on 127.0.0.1 (plain HTTP). Its
// endpoints are
//
//	POST /token       grant_type refresh_token, device_code or authorization_code
//	POST /devicecode  device authorization (RFC 8628 section 3.1)
//	GET  /authorize   authorization code request (redirects at once)
//	POST /introspect  token introspection, form token=… (RFC 7662)
//	GET  /device      verification URI: ?user_code=… approves that code
//
// and the test steers it with controls: Approve a device code, the lifetime
// of new access tokens, ExpireAll, Revoke a grant, FailTokens to play an
// outage, and counters. Tokens is a minimal client holding an access and a
// refresh token, for tests of code that consumes tokens. Refresh tokens rotate: each refresh returns a new
// one and the old one is refused from then on, as Microsoft's and Google's
// servers may do.
//
// Departures from the RFCs, on purpose: clients authenticate with
// client_id alone unless Options.ClientSecret is set; the authorize endpoint
// asks nobody and answers as SetAuthorize last said; tokens are opaque
// random strings kept in memory.
package oauthtest
