package bench

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// arrival is one webhook delivery the receiver accepted.
type arrival struct {
	at        time.Time
	eventType string
	messageID string
}

// receiver is the local webhook endpoint of the e2e and dispatch scenarios:
// it verifies each delivery with the webhook package (as an integrator's
// receiver would), records its arrival and answers 204 at once.
type receiver struct {
	srv      *http.Server
	url      string
	handler  atomic.Pointer[http.Handler] // nil until the signing secret is known
	rejected atomic.Int64                 // deliveries that failed verification
	terminal atomic.Int64                 // message.delivery and message.failed arrivals

	mu       sync.Mutex
	arrivals []arrival
}

// newReceiver listens on a loopback port.
func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + ln.Addr().String() + "/hooks/redcloud"}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go rc.srv.Serve(ln)
	return rc, nil
}

// setSecret makes the receiver verify deliveries with secret.
func (rc *receiver) setSecret(secret string) {
	h := webhook.NewHandler([]string{secret}, func(_ context.Context, ev webhook.Event) error {
		rc.mu.Lock()
		rc.arrivals = append(rc.arrivals, arrival{at: time.Now(), eventType: ev.Type, messageID: ev.MessageID})
		if ev.Type == webhook.TypeDelivery || ev.Type == webhook.TypeFailed {
			rc.terminal.Add(1)
		}
		rc.mu.Unlock()
		return nil
	})
	rc.handler.Store(&h)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := rc.handler.Load()
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		rc.rejected.Add(1)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	(*h).ServeHTTP(sw, r)
	if sw.status >= 300 {
		rc.rejected.Add(1)
	}
}

// take returns the arrivals recorded since the last take, and the number of
// rejected deliveries since then.
func (rc *receiver) take() ([]arrival, int64) {
	rc.mu.Lock()
	a := rc.arrivals
	rc.arrivals = nil
	rc.terminal.Store(0)
	rc.mu.Unlock()
	return a, rc.rejected.Swap(0)
}

// count returns the number of arrivals recorded since the last take.
func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.arrivals)
}

// terminals returns the number of message.delivery and message.failed
// arrivals recorded since the last take.
func (rc *receiver) terminals() int { return int(rc.terminal.Load()) }

func (rc *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc.srv.Shutdown(ctx)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}
