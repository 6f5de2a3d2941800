package operator

import (
	"context"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// KeywordRepliesInput changes an API client's answers to STOP, START and
// HELP. A nil text leaves that reply as it is; Reset puts all three back to
// the default texts and cannot be combined with a text.
type KeywordRepliesInput struct {
	Stop, Start, Help *string
	Reset             bool
}

// Validate reports what is wrong with the input, without the database.
func (in KeywordRepliesInput) Validate() error {
	_, err := in.apply(platform.KeywordReplies{})
	return err
}

// apply returns r changed as the input says, or the first problem found.
func (in KeywordRepliesInput) apply(r platform.KeywordReplies) (platform.KeywordReplies, error) {
	given := in.Stop != nil || in.Start != nil || in.Help != nil
	switch {
	case in.Reset && given:
		return r, invalid("reset", "reset puts every reply back to its default: give it alone, without a text")
	case in.Reset:
		return platform.KeywordReplies{}, nil
	case !given:
		return r, invalid("", "name at least one reply to set (stop, start, help), or reset them")
	}
	for _, f := range []struct {
		field string
		text  *string
		dst   *string
	}{{"stop", in.Stop, &r.OptOut}, {"start", in.Start, &r.OptIn}, {"help", in.Help, &r.Help}} {
		if f.text == nil {
			continue
		}
		text, problem := platform.CheckKeywordReply(*f.text)
		if problem != "" {
			return r, invalid(f.field, "%s reply %s", f.field, problem)
		}
		*f.dst = text
	}
	return r, nil
}

// KeywordRepliesChange is an API client's keyword replies before and after
// a change ("" is a default text).
type KeywordRepliesChange struct {
	ClientID string
	From, To platform.KeywordReplies
}

// SetKeywordReplies changes the texts that answer an API client's STOP,
// START and HELP keywords; the next keyword that arrives gets them.
func (o *Operator) SetKeywordReplies(ctx context.Context, id string, in KeywordRepliesInput) (KeywordRepliesChange, error) {
	if err := in.Validate(); err != nil {
		return KeywordRepliesChange{}, err
	}
	c, err := o.getClient(ctx, id)
	if err != nil {
		return KeywordRepliesChange{}, err
	}
	to, _ := in.apply(c.KeywordReplies)
	if err := o.db.SetKeywordReplies(ctx, c.ID, to); err != nil {
		return KeywordRepliesChange{}, missing(err, "api client %s not found", c.ID)
	}
	return KeywordRepliesChange{c.ID, c.KeywordReplies, to}, o.record(ctx, ActionClientKeywordReplies, c.ID, c.KeywordReplies, to)
}
