package redcloud

// ValidationError is a request the client refused to send because it cannot
// be valid — an empty id, an idempotency key that is not 1–255 visible ASCII
// characters, an unusable Config. Nothing was sent. Classify says
// RequestDefect.
type ValidationError struct {
	// Field names what is wrong, for example "Idempotency-Key" or
	// "Config.BaseURL".
	Field string
	// Message says what is wrong with it.
	Message string
}

// Error names the field and the problem.
func (e *ValidationError) Error() string {
	return "redcloud: invalid " + e.Field + ": " + e.Message
}

// ValidIdempotencyKey reports whether key is a valid Idempotency-Key: 1–255
// visible ASCII characters (0x21–0x7E). The server answers 400 to any other
// key; the client refuses to send one.
func ValidIdempotencyKey(key string) bool {
	if len(key) == 0 || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}
