package mailtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"text/template"
)

// dovecotSettings fills the Dovecot configuration templates.
type dovecotSettings struct {
	Dir  string // the server's private directory
	Name string // instance_name, shown in process titles
	Port int    // plain IMAP port on 127.0.0.1

	// MailUser and MailGroup own the mail files. Dovecot refuses to access
	// mail as root, so a root test uses nobody; anyone else uses themself.
	MailUser, MailGroup string
	// Unprivileged is set when the test does not run as root: every Dovecot
	// process then runs as the test's own user.
	Unprivileged bool

	// OAuth2Conf, when set, is the path of the oauth2 passdb's settings
	// (see DovecotOptions.IntrospectionURL); XOAUTH2 and OAUTHBEARER logins
	// are then offered and checked there.
	OAuth2Conf string
	// SubmissionPort, when not 0, runs the submission service on it,
	// relaying to RelayHost:RelayPort.
	SubmissionPort int
	RelayHost      string
	RelayPort      int
}

// dovecot23Conf is a complete configuration for Dovecot 2.3 (Debian 12). It
// includes nothing from /etc/dovecot.
const dovecot23Conf = `# Dovecot 2.3 for one ticketd test.
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = {{.Name}}
log_path = {{.Dir}}/dovecot.log
protocols = imap{{if .SubmissionPort}} submission{{end}}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{{if .OAuth2Conf}} oauthbearer xoauth2{{end}}
# Fail bad logins at once; tests of wrong passwords need not wait.
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{{.Dir}}/mail/%u
{{- if .Unprivileged}}
default_internal_user = {{.MailUser}}
default_internal_group = {{.MailGroup}}
default_login_user = {{.MailUser}}
{{- end}}
passdb {
  driver = passwd-file
{{- if .OAuth2Conf}}
  mechanisms = plain login
{{- end}}
  args = scheme=PLAIN username_format=%u {{.Dir}}/passwd
}
{{- if .OAuth2Conf}}
# Tokens: each login asks the test's introspection endpoint (RFC 7662).
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {{.OAuth2Conf}}
}
{{- end}}
userdb {
  driver = static
  args = uid={{.MailUser}} gid={{.MailGroup}} home={{.Dir}}/home/%u
}
service imap-login {
{{- if .Unprivileged}}
  chroot =
{{- end}}
  inet_listener imap {
    port = {{.Port}}
  }
  inet_listener imaps {
    port = 0
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
{{- if .SubmissionPort}}
# Submission (RFC 6409): logged-in clients' letters go on to the relay.
hostname = localhost
submission_relay_host = {{.RelayHost}}
submission_relay_port = {{.RelayPort}}
submission_relay_trusted = yes
submission_relay_ssl = no
service submission-login {
{{- if .Unprivileged}}
  chroot =
{{- end}}
  inet_listener submission {
    port = {{.SubmissionPort}}
  }
  inet_listener submissions {
    port = 0
  }
}
{{- end}}
{{- if or .Unprivileged .OAuth2Conf}}
service anvil {
{{- if .Unprivileged}}
  # Only root may chroot.
  chroot =
{{- end}}
{{- if .OAuth2Conf}}
  # No growing delay for an address after failed logins (2 s, 4 s, … 15 s):
  # the token tests fail logins on purpose.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
{{- end}}
}
{{- end}}
`

// dovecot24Conf is the same configuration in Dovecot 2.4's syntax (Debian 13),
// which renamed most settings and requires the two version lines first.
const dovecot24Conf = `dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
# Dovecot 2.4 for one ticketd test.
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = {{.Name}}
log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
# Fail bad logins at once; tests of wrong passwords need not wait.
auth_failure_delay = 0
first_valid_uid = 1
mail_driver = maildir
mail_path = {{.Dir}}/mail/%{user}
{{- if .Unprivileged}}
default_internal_user = {{.MailUser}}
default_internal_group = {{.MailGroup}}
default_login_user = {{.MailUser}}
{{- end}}
passdb passwd-file {
  passwd_file_path = {{.Dir}}/passwd
}
userdb static {
  fields {
    uid = {{.MailUser}}
    gid = {{.MailGroup}}
    home = {{.Dir}}/home/%{user}
  }
}
service imap-login {
{{- if .Unprivileged}}
  chroot =
{{- end}}
  inet_listener imap {
    port = {{.Port}}
  }
  inet_listener imaps {
    port = 0
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
{{- if .Unprivileged}}
# Only root may chroot.
service anvil {
  chroot =
}
{{- end}}
`

// writeDovecotConf writes the configuration for the Dovecot at bin to path,
// choosing the syntax by asking the binary for its version.
func writeDovecotConf(bin, path string, s dovecotSettings) error {
	text := dovecot23Conf
	v, err := dovecotVersion(bin)
	if err != nil {
		return err
	}
	if v >= 204 {
		text = dovecot24Conf
		if s.OAuth2Conf != "" || s.SubmissionPort != 0 {
			// QUIRK: Dovecot 2.4 moved OAuth2 out of the passdb into
			// oauth2_* settings; only the 2.3 form (Debian 12) is written.
			return fmt.Errorf("%w: oauth2 passdb and submission are configured for Dovecot 2.3 only, found %d.%d",
				ErrNotInstalled, v/100, v%100)
		}
	}
	tmpl, err := template.New("dovecot.conf").Parse(text)
	if err != nil {
		return fmt.Errorf("parse dovecot config template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, s); err != nil {
		return fmt.Errorf("render dovecot config: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write dovecot config: %w", err)
	}
	return nil
}

// dovecotVersion runs "dovecot --version" and returns major*100+minor, so
// 2.3.19.1 gives 203.
func dovecotVersion(bin string) (int, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %w", bin, err)
	}
	fields := strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool {
		return r == '.' || r == ' ' || r == '-'
	})
	if len(fields) < 2 {
		return 0, fmt.Errorf("%s --version: cannot parse %q", bin, out)
	}
	major, err1 := strconv.Atoi(fields[0])
	minor, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%s --version: cannot parse %q", bin, out)
	}
	return major*100 + minor, nil
}

// mailOwner returns the user and group that own mail files, and whether
// Dovecot must run entirely as the current user.
func mailOwner() (userName, groupName string, unprivileged bool, err error) {
	var u *user.User
	if os.Geteuid() == 0 {
		u, err = user.Lookup("nobody")
	} else {
		u, err = user.Current()
	}
	if err != nil {
		return "", "", false, fmt.Errorf("look up mail owner: %w", err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return "", "", false, fmt.Errorf("look up group %s: %w", u.Gid, err)
	}
	return u.Username, g.Name, os.Geteuid() != 0, nil
}

// oauth2Conf is the oauth2 passdb's settings file for Dovecot 2.3: POST the
// token to the introspection endpoint and accept the answer when "active" is
// true and "username" is the name the client logs in as.
const oauth2Conf = `introspection_mode = post
introspection_url = %s
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`
