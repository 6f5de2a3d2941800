// Package webhook signs, verifies and receives Red Cloud webhooks. The Red
// Cloud server uses it to build and sign webhook bodies; integrators use it
// to receive them. It imports only the standard library.
//
// # Requests
//
// Every webhook is a POST with a JSON body (see Event) and these headers:
// HeaderTimestamp, the unix seconds at signing; HeaderSignature, the
// lower-case hex HMAC-SHA256 of timestamp + "." + body keyed with the API
// client's webhook secret ("whsec_…", used as the key exactly as given);
// and the informational, unsigned HeaderEventID, HeaderEventType and
// HeaderAttempt. An event's body is fixed when the event is created: every
// attempt and every replay sends the same bytes, with a fresh timestamp and
// signature.
//
// # Verifying
//
// Verify the raw body exactly as received, before parsing it. Never
// re-encode parsed JSON to check a signature: a different key order,
// spacing or escaping changes the bytes and the signature no longer
// matches. Verify compares signatures in constant time and rejects a
// timestamp further than the tolerance (DefaultTolerance, 300 s, unless
// set) from the receiver's clock in either direction, which stops replays of
// captured requests; keep the receiver's clock synchronised.
//
// Verify accepts several secrets. During a secret rotation (CONTRACT §8.5)
// Red Cloud keeps signing with the current secret until the next one is
// activated: add the next secret to the receiver's list before activating
// it, and drop the old one afterwards, and no delivery is rejected.
//
// # Receiving
//
// NewHandler does all of this and answers 2xx only after the function given
// to it returned nil, so every event it did not accept is retried. Receive
// does the same work for receivers that write their own handler.
//
// Delivery is at least once and events are delivered independently, so an
// event may arrive twice or after a later event of the same message:
// de-duplicate on Event.EventID, and order a message's events by
// Event.Sequence (SequenceTracker tells whether an event is stale).
//
//	secrets := []string{os.Getenv("REDCLOUD_WEBHOOK_SECRET")}
//	seen := webhook.NewSequenceTracker()
//	http.Handle("POST /webhooks/redcloud", webhook.NewHandler(secrets,
//		func(ctx context.Context, ev webhook.Event) error {
//			if seen.Stale(ev) {
//				return nil // a repeat or a late arrival: already handled
//			}
//			switch ev.Type {
//			case webhook.TypeDelivery, webhook.TypeFailed:
//				if err := orders.MarkDone(ctx, ev.ExternalReference, ev.Status); err != nil {
//					return err // answered 500: Red Cloud retries
//				}
//			}
//			seen.Observe(ev) // only once handled, so a retry is not taken as stale
//			return nil
//		}))
//
// # Sending
//
// The server builds an Event, encodes it once with MarshalJSON (the encoding
// is deterministic and follows CONTRACT §8.3 field for field), stores those
// bytes, and signs them on each attempt with SignatureHeaders.
package webhook
