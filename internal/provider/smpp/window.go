package smpp

import (
	"context"
	"sync"

	"github.com/linxGnu/gosmpp/pdu"
)

// response is an answer read from the SMSC: its header always, its body
// when it parsed.
type response struct {
	hdr pdu.Header
	pdu pdu.PDU // nil when the body did not parse
}

// window bounds the submits in flight on one bind and matches answers to
// requests by sequence number.
type window struct {
	slots chan struct{} // a submit holds one from before it is written until it is answered or the link ends

	mu      sync.Mutex
	pending map[int32]chan response
}

func newWindow(size int) *window {
	return &window{slots: make(chan struct{}, size), pending: map[int32]chan response{}}
}

// acquire takes a slot, waiting while the window is full.
func (w *window) acquire(ctx context.Context, closed <-chan struct{}) error {
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return errLinkClosed
	}
}

func (w *window) release() { <-w.slots }

// inFlight is how many submits hold a slot.
func (w *window) inFlight() int { return len(w.slots) }

// expect registers a request's sequence number; its answer arrives on the
// returned channel.
func (w *window) expect(seq int32) <-chan response {
	ch := make(chan response, 1)
	w.mu.Lock()
	w.pending[seq] = ch
	w.mu.Unlock()
	return ch
}

// forget drops a request that will not be waited for any longer.
func (w *window) forget(seq int32) {
	w.mu.Lock()
	delete(w.pending, seq)
	w.mu.Unlock()
}

// deliver hands an answer to its request; false when none waits for it.
func (w *window) deliver(r response) bool {
	w.mu.Lock()
	ch, ok := w.pending[r.hdr.SequenceNumber]
	delete(w.pending, r.hdr.SequenceNumber)
	w.mu.Unlock()
	if ok {
		ch <- r // buffered: never blocks
	}
	return ok
}
