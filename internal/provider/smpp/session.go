package smpp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

var (
	errLinkClosed  = errors.New("smpp: link closed")
	errSMSCUnbound = errors.New("smpp: the SMSC unbound the link")
	errDraining    = errors.New("smpp: link closing (provider stopping)")
)

// session is one bound SMPP link: a reader that dispatches what the SMSC
// sends, serialised writes with a deadline, the submit window, enquire_link
// on an idle link and a read timeout of three enquire_link intervals.
type session struct {
	p    *Provider
	bind int
	conn net.Conn
	r    *bufio.Reader
	win  *window

	wmu      sync.Mutex // serialises writes; guards draining
	draining bool

	seq      atomic.Int32
	lastRead atomic.Int64 // unix nanoseconds of the last PDU read
	answered atomic.Bool  // the SMSC answered a request on the bound link: it worked

	closed    chan struct{}
	closeOnce sync.Once
	err       error // why the link ended; set before closed is closed

	handlers   sync.WaitGroup // deliver_sm / data_sm handlers
	handlerSem chan struct{}
}

// maxHandlers bounds the deliver_sm being handled at once on a link. The
// read loop waits when it is reached, and with it the submit_sm_resp behind
// them: each handler waits for a database commit, and group commit needs
// many at once to keep up with a fast SMSC's receipts.
const maxHandlers = 256

func newSession(p *Provider, bind int, conn net.Conn) *session {
	s := &session{p: p, bind: bind, conn: conn, r: bufio.NewReaderSize(conn, 16<<10), win: newWindow(p.cfg.Window),
		closed: make(chan struct{}), handlerSem: make(chan struct{}, max(maxHandlers, 2*p.cfg.Window))}
	s.lastRead.Store(p.cfg.Now().UnixNano())
	return s
}

// nextSeq returns the next sequence number, in 1..0x7FFFFFFF.
func (s *session) nextSeq() int32 {
	for {
		if n := s.seq.Add(1) & 0x7FFFFFFF; n != 0 {
			return n
		}
	}
}

// close ends the link for err (the first reason wins).
func (s *session) close(err error) {
	s.closeOnce.Do(func() {
		s.err = err
		close(s.closed)
		s.conn.Close()
	})
}

func (s *session) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *session) isDraining() bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.draining
}

// write sends one PDU; a failed write ends the link.
func (s *session) write(p pdu.PDU) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writeLocked(p)
}

func (s *session) writeLocked(p pdu.PDU) error {
	buf := pdu.NewBuffer(make([]byte, 0, 128))
	p.Marshal(buf)
	if err := s.conn.SetWriteDeadline(s.p.cfg.Now().Add(s.p.cfg.BindTimeout)); err != nil {
		s.close(err)
		return err
	}
	if _, err := s.conn.Write(buf.Bytes()); err != nil {
		err = fmt.Errorf("write %s: %w", p.GetHeader().CommandID, err)
		s.close(err)
		return err
	}
	return nil
}

// request writes p with a new sequence number and returns where its answer
// arrives. A submit is refused once the link drains for Stop.
func (s *session) request(p pdu.PDU, isSubmit bool) (int32, <-chan response, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if isSubmit && s.draining {
		return 0, nil, errDraining
	}
	seq := s.nextSeq()
	p.SetSequenceNumber(seq)
	ch := s.win.expect(seq)
	if err := s.writeLocked(p); err != nil {
		s.win.forget(seq)
		return 0, nil, err
	}
	return seq, ch, nil
}

// readPDU reads one PDU. A framing error (a length out of bounds, a broken
// stream) is fatal; a body that does not parse is not (the stream is still
// in step) and comes back as parseErr with the header.
func readPDU(r io.Reader) (f frame, err error) {
	var hb [16]byte
	if _, err = io.ReadFull(r, hb[:]); err != nil {
		return f, err
	}
	f.hdr = pdu.ParseHeader(hb)
	if f.hdr.CommandLength < 16 || f.hdr.CommandLength > data.MAX_PDU_LEN {
		return f, fmt.Errorf("smpp: invalid command_length %d", f.hdr.CommandLength)
	}
	f.raw = make([]byte, f.hdr.CommandLength)
	copy(f.raw, hb[:])
	if _, err = io.ReadFull(r, f.raw[16:]); err != nil {
		return f, err
	}
	p, perr := pdu.CreatePDUFromCmdID(f.hdr.CommandID)
	if perr == nil {
		// Unmarshal consumes its buffer: give it a copy of the frame.
		perr = p.Unmarshal(pdu.NewBuffer(append([]byte(nil), f.raw...)))
	}
	if perr != nil {
		f.parseErr = perr
		return f, nil
	}
	f.pdu = p
	return f, nil
}

// frame is one PDU as read: its header, its bytes, and its parsed form (nil
// with parseErr when the body did not parse).
type frame struct {
	hdr      pdu.Header
	raw      []byte
	pdu      pdu.PDU
	parseErr error
}

// readLoop reads until the link ends; silence for three enquire_link
// intervals ends it (a frozen SMSC, a dead path).
func (s *session) readLoop() {
	timeout := 3 * s.p.cfg.EnquireLink
	for {
		if err := s.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			s.close(err)
			return
		}
		f, err := readPDU(s.r)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = fmt.Errorf("smpp: nothing read for %s (3× enquire_link): %w", timeout, err)
			}
			s.close(err)
			return
		}
		s.lastRead.Store(s.p.cfg.Now().UnixNano())
		s.dispatch(f)
		if s.isClosed() {
			return
		}
	}
}

// dispatch acts on one PDU from the SMSC.
func (s *session) dispatch(f frame) {
	hdr := f.hdr
	if hdr.CommandID&data.GENERIC_NACK != 0 { // every response, and generic_nack
		if s.win.deliver(response{hdr: hdr, pdu: f.pdu}) {
			s.answered.Store(true)
		} else {
			s.p.log.Debug("smpp: answer to no pending request", "provider", s.p.cfg.Name, "bind", s.bind, "command", hdr.CommandID, "seq", hdr.SequenceNumber)
		}
		return
	}
	switch hdr.CommandID {
	case data.ENQUIRE_LINK:
		resp := pdu.NewEnquireLinkResp()
		resp.SetSequenceNumber(hdr.SequenceNumber)
		_ = s.write(resp)
	case data.UNBIND:
		resp := pdu.NewUnbindResp()
		resp.SetSequenceNumber(hdr.SequenceNumber)
		_ = s.write(resp)
		s.close(errSMSCUnbound)
	case data.DELIVER_SM, data.DATA_SM:
		// Bounded: a burst of receipts waits in the SMSC's window, not here.
		s.handlerSem <- struct{}{}
		s.handlers.Add(1)
		go func() {
			defer s.handlers.Done()
			defer func() { <-s.handlerSem }()
			s.answerDeliver(f)
		}()
	case data.ALERT_NOTIFICATION: // no answer is expected
	default:
		nack := pdu.NewGenericNack()
		nack.SetSequenceNumber(hdr.SequenceNumber)
		setStatus(nack, data.ESME_RINVCMDID)
		_ = s.write(nack)
	}
}

// answerDeliver handles a deliver_sm or data_sm and answers it with the
// status its handling decided.
func (s *session) answerDeliver(f frame) {
	hdr := f.hdr
	status := data.ESME_RX_P_APPN // a body that does not parse will not parse next time either
	if f.parseErr == nil {
		status = s.p.onDeliver(s.bind, f)
	} else {
		s.p.log.Warn("smpp: unreadable deliver_sm refused", "provider", s.p.cfg.Name, "bind", s.bind, "err", f.parseErr)
	}
	var resp pdu.PDU
	if hdr.CommandID == data.DATA_SM {
		resp = pdu.NewDataSMResp()
	} else {
		resp = pdu.NewDeliverSMResp()
	}
	resp.SetSequenceNumber(hdr.SequenceNumber)
	setStatus(resp, status)
	_ = s.write(resp)
}

// setStatus sets the command_status of a response built by gosmpp.
func setStatus(p pdu.PDU, status data.CommandStatusType) {
	switch r := p.(type) {
	case *pdu.DeliverSMResp:
		r.CommandStatus = status
	case *pdu.DataSMResp:
		r.CommandStatus = status
	case *pdu.GenericNack:
		r.CommandStatus = status
	}
}

// serve runs the bound link until it ends, or until ctx is cancelled: then
// it drains and unbinds. It returns why the link ended (nil after Stop).
func (s *session) serve(ctx context.Context) error {
	go s.readLoop()
	interval := s.p.cfg.EnquireLink
	tick := time.NewTicker(max(interval/4, 5*time.Millisecond))
	defer tick.Stop()
	var probed time.Time
	for {
		select {
		case <-s.closed:
			s.handlers.Wait()
			return s.err
		case <-ctx.Done():
			s.unbind()
			s.handlers.Wait()
			s.close(errLinkClosed)
			return nil
		case <-tick.C:
			now := s.p.cfg.Now()
			if now.Sub(time.Unix(0, s.lastRead.Load())) >= interval && now.Sub(probed) >= interval {
				probed = now
				s.enquire()
			}
		}
	}
}

// enquire probes an idle link; the answer (read by readLoop) is proof of
// life, its absence ends the link through the read timeout.
func (s *session) enquire() {
	seq, _, err := s.request(pdu.NewEnquireLink(), false)
	if err == nil {
		// The answer refreshes lastRead; nothing waits for it. Forget it
		// after the read timeout so the pending map does not grow.
		time.AfterFunc(3*s.p.cfg.EnquireLink, func() { s.win.forget(seq) })
	}
}

// drainWait bounds how long Stop waits for the answers to submits in
// flight: an SMSC answers in milliseconds, and a shutdown must end.
const drainWait = 10 * time.Second

// unbind ends the link gracefully for Stop: no new submits, the answers of
// those in flight are awaited (up to ResponseTimeout, at most drainWait),
// then unbind is sent and its answer awaited (up to BindTimeout).
func (s *session) unbind() {
	s.wmu.Lock()
	s.draining = true
	s.wmu.Unlock()
	deadline := time.Now().Add(min(s.p.cfg.ResponseTimeout, drainWait))
	for s.win.inFlight() > 0 && time.Now().Before(deadline) && !s.isClosed() {
		time.Sleep(5 * time.Millisecond)
	}
	if s.isClosed() {
		return
	}
	_, ch, err := s.request(pdu.NewUnbind(), false)
	if err != nil {
		return
	}
	t := time.NewTimer(s.p.cfg.BindTimeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-s.closed:
	case <-t.C:
		s.p.log.Warn("smpp: no unbind_resp", "provider", s.p.cfg.Name, "bind", s.bind)
	}
}
