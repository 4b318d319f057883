package restapi

import "slices"

// Routes lists the commands Handler routes, as "service/command", sorted:
// docs/openapi.yaml is checked against it, so the documented API cannot
// drift from the served one. Call it after Handler, which builds the table.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.routes))
	for path := range s.routes {
		out = append(out, path)
	}
	slices.Sort(out)
	return out
}
