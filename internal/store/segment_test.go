package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestMessageEncodingStored: the encoding, segment count and non-GSM
// characters fixed at acceptance come back from every read, and a row
// stored before migration 00005 (segments 0) reads as its text computes.
func TestMessageEncodingStored(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		for i, tc := range []struct {
			body     string
			encoding string
			segments int
			nonGSM   []string
		}{
			{`{"sendFrom":"num_a","to":["+15005550100"],"messageType":"SMS","text":"` + strings.Repeat("€", 81) + `"}`, redcloud.EncodingGSM7, 2, []string{}},
			{`{"sendFrom":"num_a","to":["+15005550100"],"messageType":"SMS","text":"ça 😜 ç"}`, redcloud.EncodingUCS2, 1, []string{"ç", "😜"}},
			{`{"sendFrom":"num_a","to":["+15005550100"],"messageType":"MMS","text":"ç","mediaUrls":["https://x.example/a.png"]}`, "", 1, []string{}},
		} {
			a := acceptance(t, ca, na, "k"+string(rune('a'+i)), t0, time.Hour, tc.body)
			m := a.Messages[0]
			if m.Encoding != tc.encoding || m.Segments != tc.segments || !reflect.DeepEqual(m.NonGSMCharacters, tc.nonGSM) {
				t.Fatalf("accepted %s: %q %d %q", tc.body, m.Encoding, m.Segments, m.NonGSMCharacters)
			}
			_, _, err := db.Accept(ctx, a)
			must(t, err)
			got, _, err := db.GetMessage(ctx, ca.ID, m.ID)
			must(t, err)
			if !reflect.DeepEqual(got, m) {
				t.Errorf("GetMessage =\n%+v\nwant\n%+v", got, m)
			}
			byID, err := db.GetMessageByID(ctx, m.ID)
			must(t, err)
			if !reflect.DeepEqual(byID, m) {
				t.Errorf("GetMessageByID =\n%+v\nwant\n%+v", byID, m)
			}

			// As a row from before the columns existed.
			write, _ := store.Handles(db)
			if _, err := write.ExecContext(ctx, `UPDATE messages SET encoding = '', segments = 0, non_gsm_characters = '[]'
				WHERE id = '`+m.ID+`'`); err != nil {
				t.Fatal(err)
			}
			legacy, _, err := db.GetMessage(ctx, ca.ID, m.ID)
			must(t, err)
			if !reflect.DeepEqual(legacy, m) {
				t.Errorf("legacy row =\n%+v\nwant\n%+v", legacy, m)
			}
		}
	})
}
