package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/redcloud-core/redcloud"
)

// API paths the scenarios use.
const (
	pathToken    = redcloud.PathToken
	pathWhoAmI   = redcloud.PathWhoAmI
	pathSend     = redcloud.PathMessagesSend
	pathWebhooks = redcloud.PathSandboxWebhooks
	pathMetrics  = redcloud.PathMetrics
)

// target is a server the load generator talks to, with the raw requests of
// the scenarios.
type target struct {
	base   string // http://host:port
	hc     *http.Client
	token  string // bearer token, fetched once
	runID  string // makes this run's idempotency keys unique
	client string // API client id
	secret string // API client secret
	number string // numberId to send from
}

// newRequest builds a request to path with body (nil for none), the bearer
// token, and the Idempotency-Key key when not empty.
func (t *target) newRequest(ctx context.Context, method, path string, body []byte, key string) (*http.Request, error) {
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, method, t.base+path, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, t.base+path, bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	if key != "" {
		req.Header.Set(redcloud.HeaderIdempotencyKey, key)
	}
	return req, nil
}

// issueToken requests an access token with the client credentials (HTTP
// Basic, as the client does).
func (t *target) issueToken(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+pathToken, strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(t.client), url.QueryEscape(t.secret))
	_, body, err := exchange(t.hc, req)
	if err != nil {
		return "", err
	}
	var tr redcloud.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("token answer without access_token: %s", truncate(string(body), 120))
	}
	return tr.AccessToken, nil
}

// whoami reads GET /api/core/whoami.
func (t *target) whoami(ctx context.Context) error {
	req, err := t.newRequest(ctx, http.MethodGet, pathWhoAmI, nil, "")
	if err != nil {
		return err
	}
	_, _, err = exchange(t.hc, req)
	return err
}

// sendBody returns the JSON of a send from the target's number to n
// recipients, numbered from first: +1555 and seven digits, none of them a
// sandbox number with a scripted failure.
func (t *target) sendBody(first int64, n int) []byte {
	to := make([]string, n)
	for i := range to {
		to[i] = fmt.Sprintf("+1555%07d", (first+int64(i))%10_000_000)
	}
	b, _ := json.Marshal(redcloud.SendRequest{SendFrom: t.number, To: to, MessageType: redcloud.MessageTypeSMS,
		Text: "redcloud bench", ExternalReference: "bench"})
	return b
}

// key returns this run's idempotency key number seq of a scenario.
func (t *target) key(scenario string, seq int64) string {
	return t.runID + "-" + scenario + "-" + strconv.FormatInt(seq, 10)
}

// send posts a send and returns its decoded 2xx answer.
func (t *target) send(ctx context.Context, body []byte, key string) (redcloud.SendResponse, error) {
	var out redcloud.SendResponse
	req, err := t.newRequest(ctx, http.MethodPost, pathSend, body, key)
	if err != nil {
		return out, err
	}
	_, b, err := exchange(t.hc, req)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode send answer: %w", err)
	}
	return out, nil
}

// sendDiscard posts a send and reads its answer without decoding it.
func (t *target) sendDiscard(ctx context.Context, body []byte, key string) error {
	req, err := t.newRequest(ctx, http.MethodPost, pathSend, body, key)
	if err != nil {
		return err
	}
	_, _, err = exchange(t.hc, req)
	return err
}

// setDeliveryURL sets (or, for "", clears) the client's delivery webhook URL
// and returns the signing secret (sandbox mode only).
func (t *target) setDeliveryURL(ctx context.Context, u string) (string, error) {
	var v *string
	if u != "" {
		v = &u
	}
	body, _ := json.Marshal(map[string]*string{"deliveryUrl": v})
	req, err := t.newRequest(ctx, http.MethodPut, pathWebhooks, body, "")
	if err != nil {
		return "", err
	}
	_, b, err := exchange(t.hc, req)
	if err != nil {
		return "", fmt.Errorf("set the delivery webhook URL (PUT %s, sandbox mode only): %w", pathWebhooks, err)
	}
	var out redcloud.SandboxWebhooks
	if err := json.Unmarshal(b, &out); err != nil {
		return "", fmt.Errorf("decode webhook settings: %w", err)
	}
	return out.SigningSecret, nil
}

// queueDepth returns the sum of the server's redcloud_queue_messages and
// redcloud_queue_deliveries gauges; ok is false when it has neither.
func (t *target) queueDepth(ctx context.Context) (depth int, ok bool) {
	req, err := t.newRequest(ctx, http.MethodGet, pathMetrics, nil, "")
	if err != nil {
		return 0, false
	}
	_, b, err := exchange(t.hc, req)
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		name, value, found := strings.Cut(strings.TrimSpace(line), " ")
		if !found || (name != "redcloud_queue_messages" && name != "redcloud_queue_deliveries") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		depth += int(v)
		ok = true
	}
	return depth, ok
}
