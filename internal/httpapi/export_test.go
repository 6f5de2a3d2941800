package httpapi

// Routes returns the routes s serves as "METHOD path", path a
// redcloud.Path… constant, for tests that walk them.
func Routes(s *Server) []string {
	var out []string
	for _, rt := range s.routeTable() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}
