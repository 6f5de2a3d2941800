package redcloud

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
)

// logAttempt writes the one record of an attempt: endpoint, method, status,
// requestTime, requestId, messageId, externalReference, idempotencyKey and
// attempt (the playbook's logging fields), plus delay and reason, and on a
// failure the error, its category and whether it was ambiguous. Never a
// secret, a token or an Authorization header.
func (c *Client) logAttempt(ctx context.Context, cl *call, a Attempt, out any, err error) {
	if c.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("endpoint", cl.endpoint),
		slog.String("method", cl.method),
		slog.Int("status", a.Status),
		slog.String("requestTime", NewTime(a.RequestTime).String()),
		slog.String("requestId", a.RequestID),
	}
	msgID, extRef := cl.msgID, cl.extRef
	if err == nil {
		switch v := out.(type) {
		case *SendResponse:
			ids := make([]string, len(v.Results))
			for i, r := range v.Results {
				ids[i] = r.MessageID
			}
			msgID = strings.Join(ids, ",")
		case *Message:
			if v.ExternalReference != nil {
				extRef = *v.ExternalReference
			}
		}
	}
	if msgID != "" {
		attrs = append(attrs, slog.String("messageId", msgID))
	}
	if extRef != "" {
		attrs = append(attrs, slog.String("externalReference", c.redact(extRef)))
	}
	if key := cl.key + cl.logKey; key != "" {
		attrs = append(attrs, slog.String("idempotencyKey", key))
	}
	attrs = append(attrs, slog.Int("attempt", a.Number), slog.Duration("delay", a.Delay), slog.String("reason", a.Reason))
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", a.Error), slog.String("category", string(Classify(err))))
		if a.Ambiguous {
			attrs = append(attrs, slog.Bool("ambiguous", true))
		}
	}
	c.log.LogAttrs(ctx, level, "redcloud request", attrs...)
}

// logRefused records a send the key guard refused (no request was made).
func (c *Client) logRefused(ctx context.Context, key, extRef string, err error) {
	if c.log == nil {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "redcloud send refused",
		slog.String("endpoint", PathMessagesSend), slog.String("method", http.MethodPost),
		slog.String("idempotencyKey", key), slog.String("externalReference", c.redact(extRef)),
		slog.String("error", err.Error()), slog.String("category", string(Classify(err))))
}

// secretPatterns match what looks like a Red Cloud secret or token, an
// Authorization value or a secret-bearing field, with what replaces it.
var secretPatterns = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(rc_at_|rc_sk_|whsec_)[A-Za-z0-9_\-]+`), "[REDACTED]"},
	{regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{12,}`), "${1}${2}[REDACTED]"},
	{regexp.MustCompile(`(?i)("?(?:access_token|client_secret|signingSecret)"?\s*[:=]\s*"?)[^"&\s,}]+`), "${1}[REDACTED]"},
}

// redactText replaces anything that looks like a secret in s.
func redactText(s string) string {
	for _, p := range secretPatterns {
		s = p.re.ReplaceAllString(s, p.with)
	}
	return s
}

// redact replaces the client secret and anything that looks like a secret
// in s.
func (c *Client) redact(s string) string {
	if len(c.clientSecret) >= 4 {
		s = strings.ReplaceAll(s, c.clientSecret, "[REDACTED]")
	}
	return redactText(s)
}
