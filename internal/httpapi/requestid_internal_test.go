package httpapi

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/oklog/ulid/v2"
)

// TestRequestID: request ids have platform.NewID's form and do not repeat,
// from many goroutines at once.
func TestRequestID(t *testing.T) {
	re := regexp.MustCompile(`^req_[0-9a-hjkmnp-tv-z]{26}$`)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ids := make([]string, 2000)
			for i := range ids {
				ids[i] = requestID()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if !re.MatchString(id) {
					t.Errorf("requestID() = %q, want req_ and a lower-case ULID", id)
				} else if _, err := ulid.ParseStrict(strings.ToUpper(id[len("req_"):])); err != nil {
					t.Errorf("requestID() = %q: %v", id, err)
				}
				if seen[id] {
					t.Errorf("requestID() repeated %q", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
}
