package redcloud

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Opt-out sources.
const (
	// OptOutKeyword: the person texted STOP (or a synonym) to one of the
	// caller's numbers. Only their START, or an operator, lifts it.
	OptOutKeyword = "keyword"
	// OptOutAPI: the caller added it (POST /api/core/opt-outs); the caller
	// may remove it.
	OptOutAPI = "api"
)

// ReasonRecipientOptedOut is the RecipientError.Reason of a recipient on
// the caller's opt-out list (code FORBIDDEN).
const ReasonRecipientOptedOut = "recipient_opted_out"

// OptOut is one phone number the caller may not send to [extension].
type OptOut struct {
	E164 string `json:"e164"`
	// Source is OptOutKeyword or OptOutAPI.
	Source string `json:"source"`
	// Keyword is the keyword texted ("STOP"); nil for an api opt-out.
	Keyword *string `json:"keyword"`
	// NumberID is the number the keyword was texted to; nil for an api
	// opt-out.
	NumberID  *string `json:"numberId"`
	CreatedAt Time    `json:"createdAt"`
}

// OptOutList is a page of GET /api/core/opt-outs, ordered by e164.
type OptOutList struct {
	OptOuts []OptOut `json:"optOuts"`
	// NextCursor fetches the next page; nil on the last one.
	NextCursor *string `json:"nextCursor"`
}

// OptOutRequest is the body of POST /api/core/opt-outs.
type OptOutRequest struct {
	E164 string `json:"e164"`
}

// OptOuts returns a page of the caller's opt-outs (GET /api/core/opt-outs):
// up to limit (1–100; 0 for the server's default, 20) after cursor (""
// for the first page; a page's NextCursor for the next).
func (c *Client) OptOuts(ctx context.Context, limit int, cursor string) (*OptOutList, error) {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	endpoint := PathOptOuts
	if len(q) > 0 {
		endpoint += "?" + q.Encode()
	}
	var out OptOutList
	if _, _, err := c.do(ctx, &call{method: http.MethodGet, endpoint: endpoint}, &out); err != nil {
		return nil, err
	}
	if out.OptOuts == nil {
		out.OptOuts = []OptOut{}
	}
	return &out, nil
}

// AddOptOut puts e164 on the caller's opt-out list (POST
// /api/core/opt-outs) and returns the entry: a new api opt-out, or the one
// already there (which may be a keyword opt-out).
func (c *Client) AddOptOut(ctx context.Context, e164 string) (*OptOut, error) {
	if e164 == "" {
		return nil, &ValidationError{Field: "e164", Message: "is required"}
	}
	body, err := marshal(OptOutRequest{E164: e164})
	if err != nil {
		return nil, err
	}
	var out OptOut
	cl := &call{method: http.MethodPost, endpoint: PathOptOuts, body: body, ctype: "application/json"}
	if _, _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveOptOut removes an opt-out the caller added (DELETE
// /api/core/opt-outs/{e164}). A keyword opt-out cannot be removed this way:
// the server answers 409 CONFLICT with details.reason "keyword_opt_out"
// (the person lifts it by texting START; an operator can lift it too).
func (c *Client) RemoveOptOut(ctx context.Context, e164 string) error {
	if e164 == "" {
		return &ValidationError{Field: "e164", Message: "is required"}
	}
	_, _, err := c.do(ctx, &call{method: http.MethodDelete, endpoint: pathWith(PathOptOut, e164)}, nil)
	return err
}
