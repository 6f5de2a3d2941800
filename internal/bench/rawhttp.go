package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection of the closed-loop load
// generator. net/http's client costs more CPU per request than the server's
// cheapest answers (its baseline reached a third of wrk's rate on two
// cores), so the closed loops write prebuilt request bytes and parse just
// the status line, Content-Length or chunked framing, and Connection: close,
// reusing one buffer; like wrk, one connection per worker.
type rawConn struct {
	addr string // host:port
	c    net.Conn
	br   *bufio.Reader
	body []byte // the last answer's body; valid until the next do
}

// errConnClosed reports an answer that said Connection: close; the next do
// dials again.
var errConnClosed = errors.New("server closed the connection")

// do writes req (a whole HTTP/1.1 request) and reads the answer. It returns
// a *statusError for a non-2xx answer. A broken connection is closed and
// dialled again by the next call, not retried: a load generator must count
// every failure.
func (rc *rawConn) do(req []byte) (int, []byte, error) {
	if rc.c == nil {
		c, err := net.DialTimeout("tcp", rc.addr, 5*time.Second)
		if err != nil {
			return 0, nil, err
		}
		rc.c = c
		if rc.br == nil {
			rc.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			rc.br.Reset(c)
		}
	}
	rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	status, closeAfter, err := rc.read(req)
	if err != nil || closeAfter {
		rc.close()
	}
	if err != nil {
		return 0, nil, err
	}
	if status < 200 || status > 299 {
		return status, rc.body, &statusError{status: status, body: string(rc.body)}
	}
	return status, rc.body, nil
}

func (rc *rawConn) read(req []byte) (status int, closeAfter bool, err error) {
	if _, err := rc.c.Write(req); err != nil {
		return 0, false, err
	}
	line, err := rc.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 202 Accepted\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", truncate(string(line), 60))
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", truncate(string(line), 60))
	}
	length, chunked := -1, false
	for {
		line, err = rc.br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	rc.body = rc.body[:0]
	switch {
	case chunked:
		err = rc.readChunked()
	case length >= 0:
		rc.body = grow(rc.body, length)
		_, err = io.ReadFull(rc.br, rc.body)
	default: // no framing: the body runs to the end of the connection
		closeAfter = true
		var b bytes.Buffer
		_, err = b.ReadFrom(io.LimitReader(rc.br, 1<<20))
		rc.body = append(rc.body, b.Bytes()...)
	}
	return status, closeAfter, err
}

// readChunked reads a chunked body (and its empty trailer) into rc.body.
func (rc *rawConn) readChunked() error {
	for {
		line, err := rc.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", size)
		}
		if n == 0 {
			for { // trailer, up to the empty line
				line, err := rc.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(rc.body)
		rc.body = grow(rc.body, start+int(n))
		if _, err := io.ReadFull(rc.br, rc.body[start:]); err != nil {
			return err
		}
		if _, err := rc.br.Discard(2); err != nil { // CRLF after the chunk
			return err
		}
	}
}

// grow returns b resized to n bytes, reusing its array when it is big enough.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n, max(n, 2*cap(b)))
}

func (rc *rawConn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

// requestWriter builds the bytes of requests to one host in a reused buffer.
type requestWriter struct {
	host string
	buf  []byte
}

// build returns the request; auth is the whole Authorization value ("" for
// none), key the Idempotency-Key ("" for none), contentType the body's type
// when body is not nil. The result is valid until the next build.
func (w *requestWriter) build(method, path, auth, key, contentType string, body []byte) []byte {
	b := w.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.host...)
	b = append(b, "\r\nUser-Agent: redcloud-bench\r\n"...)
	if auth != "" {
		b = append(b, "Authorization: "...)
		b = append(b, auth...)
		b = append(b, "\r\n"...)
	}
	if key != "" {
		b = append(b, "Idempotency-Key: "...)
		b = append(b, key...)
		b = append(b, "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: "...)
		b = append(b, contentType...)
		b = append(b, "\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	w.buf = b
	return b
}
