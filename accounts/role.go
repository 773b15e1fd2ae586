package accounts

import "fmt"

// Role is what a user may do in the console.
type Role string

// The roles.
const (
	RoleOperator Role = "operator" // works tickets: reads, answers, sets status
	RoleAuditor  Role = "auditor"  // reads tickets and the event log, changes nothing
	RoleAdmin    Role = "admin"    // an operator who also manages users
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleAuditor || r == RoleAdmin }

// ParseRole returns the role called s, or an error naming the roles.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("accounts: unknown role %q; want operator, auditor or admin", s)
	}
	return r, nil
}
