package httpapi

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/oklog/ulid/v2"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// requestID returns a new request id in platform.NewID's form ("req_" and
// a lowercase ULID) in one allocation. Its random part comes from the
// runtime's per-thread generator rather than platform's shared monotonic
// source, whose lock every request would otherwise take beside every
// acceptance's message ids: request ids need to be unique, not ordered
// within a millisecond.
func requestID() string {
	var id ulid.ULID
	_ = id.SetTime(ulid.Now())
	binary.BigEndian.PutUint64(id[6:14], rand.Uint64())
	binary.BigEndian.PutUint16(id[14:], uint16(rand.Uint32()))
	const n = len(platform.PrefixRequest)
	var b [n + ulid.EncodedSize]byte
	copy(b[:], platform.PrefixRequest)
	_ = id.MarshalTextTo(b[n:])
	for i := n; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b[:])
}
