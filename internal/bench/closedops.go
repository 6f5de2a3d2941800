package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/url"
	"strings"
)

// loadWorker is one closed-loop worker's connection and buffers.
type loadWorker struct {
	rc   rawConn
	rw   requestWriter
	body []byte
}

// workers returns n workers connected (lazily) to the target.
func (t *target) workers(n int) []*loadWorker {
	host := strings.TrimPrefix(strings.TrimPrefix(t.base, "http://"), "https://")
	ws := make([]*loadWorker, n)
	for i := range ws {
		ws[i] = &loadWorker{rc: rawConn{addr: host}, rw: requestWriter{host: host}}
	}
	return ws
}

func closeWorkers(ws []*loadWorker) {
	for _, w := range ws {
		w.rc.close()
	}
}

// bearer is the Authorization value of the target's token.
func (t *target) bearer() string { return "Bearer " + t.token }

// tokenOp requests a token with the client credentials (HTTP Basic).
func (t *target) tokenOp(ws []*loadWorker) op {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(t.client)+":"+url.QueryEscape(t.secret)))
	form := []byte("grant_type=client_credentials")
	return func(_ context.Context, w int, _ int64) error {
		lw := ws[w]
		_, _, err := lw.rc.do(lw.rw.build("POST", pathToken, basic, "", "application/x-www-form-urlencoded", form))
		return err
	}
}

// whoamiOp reads GET /api/core/whoami.
func (t *target) whoamiOp(ws []*loadWorker) op {
	auth := t.bearer()
	return func(_ context.Context, w int, _ int64) error {
		lw := ws[w]
		_, _, err := lw.rc.do(lw.rw.build("GET", pathWhoAmI, auth, "", "", nil))
		return err
	}
}

// sendOp sends to n recipients numbered from seq*n, under the key of
// scenario and seq; replay sends one body under one key every time.
func (t *target) sendOp(ws []*loadWorker, scenario string, n int, replay bool) op {
	auth := t.bearer()
	tmpl := t.bodyTemplate(n)
	return func(_ context.Context, w int, seq int64) error {
		if replay {
			seq = 0
		}
		lw := ws[w]
		lw.body = tmpl.fill(lw.body, seq*int64(n))
		_, _, err := lw.rc.do(lw.rw.build("POST", pathSend, auth, t.key(scenario, seq), "application/json", lw.body))
		return err
	}
}

// bodyTemplate is a send's JSON with the offsets of each recipient's seven
// variable digits, so that a request's body is a copy and a few stores.
type bodyTemplate struct {
	b      []byte
	digits []int
}

// bodyTemplate returns the template of sendBody(·, n).
func (t *target) bodyTemplate(n int) bodyTemplate {
	b := t.sendBody(0, n)
	var tm bodyTemplate
	tm.b = b
	mark := []byte(`"+1555`)
	for off := 0; len(tm.digits) < n; {
		i := bytes.Index(b[off:], mark)
		if i < 0 {
			panic("bench: send body without its recipients")
		}
		off += i + len(mark)
		tm.digits = append(tm.digits, off)
	}
	return tm
}

// fill writes the body whose recipients are numbered from first into dst.
func (tm bodyTemplate) fill(dst []byte, first int64) []byte {
	dst = append(dst[:0], tm.b...)
	for i, off := range tm.digits {
		v := (first + int64(i)) % 10_000_000
		for j := 6; j >= 0; j-- {
			dst[off+j] = byte('0' + v%10)
			v /= 10
		}
	}
	return dst
}
