package attachments

import "strings"

// facts joins key, value pairs into a Verdict.Detail: "k=v; k=v".
func facts(kv ...string) string {
	var sb strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(kv[i])
		sb.WriteByte('=')
		sb.WriteString(strings.ReplaceAll(kv[i+1], ";", ","))
	}
	return sb.String()
}

// fact returns the value of key in a Verdict.Detail, "" when absent.
func fact(detail, key string) string {
	for _, f := range strings.Split(detail, "; ") {
		if k, v, ok := strings.Cut(f, "="); ok && k == key {
			return v
		}
	}
	return ""
}
