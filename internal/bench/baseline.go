package bench

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// BaselineMethod describes the baseline, for the report.
const BaselineMethod = "baseline: a bare net/http handler in a child process of the same binary " +
	"(redcloud bench baseline-server), driven with the send-1 request at the same concurrency and duration; " +
	"it decodes the send JSON and answers the same 202 body shape (a msg_ ULID per recipient), " +
	"with no authentication, storage, request log, request id or rate limit. " +
	"A child process rather than in-process, so that it pays what the server pays: " +
	"its own scheduler and garbage collector, loopback TCP, and CPU shared with the load generator."

// BaselineHandler answers every request the way the server answers an
// accepted send, doing only what any JSON-over-HTTP server must: it decodes
// the body as a send request and encodes a 202 send response with one
// accepted result per recipient. Invalid JSON is answered 400.
func BaselineHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		var req redcloud.SendRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "invalid JSON", http.StatusBadRequest)
			return
		}
		res := redcloud.SendResponse{Results: make([]redcloud.AcceptedRecipient, len(req.To)), Errors: []redcloud.RecipientError{}}
		for i, to := range req.To {
			res.Results[i] = redcloud.AcceptedRecipient{To: to, MessageID: platform.NewID(platform.PrefixMessage), Status: redcloud.MessageQueued}
		}
		out, err := json.Marshal(res)
		if err != nil {
			http.Error(w, "encode", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write(out)
	})
}

// ServeBaseline serves BaselineHandler on addr until ctx ends, logging the
// JSON line {"msg":"listening","addr":…} to logw once it listens, as the
// server does.
func ServeBaseline(ctx context.Context, addr string, logw io.Writer) error {
	log := slog.New(slog.NewJSONHandler(logw, nil))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: BaselineHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("listening", "addr", ln.Addr().String(), "baseline", true)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
