package store

import "testing"

func TestPoolSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, out string
		n       int
		bad     bool
	}{
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable", defaultPoolSize, false},
		{"postgres://u@h/db?pool_max_conns=16&sslmode=disable", "postgres://u@h/db?sslmode=disable", 16, false},
		{"postgres://u@h/db?pool_max_conns=1", "", 0, true},
		{"postgres://u@h/db?pool_max_conns=many", "", 0, true},
	} {
		out, n, err := poolSize(c.in)
		if (err != nil) != c.bad || out != c.out || n != c.n {
			t.Errorf("poolSize(%q) = %q, %d, %v; want %q, %d, error %v", c.in, out, n, err, c.out, c.n, c.bad)
		}
	}
}
