package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

const smsc = "carrier"

func part(msg string, no, of int, id string) platform.SMPPPart {
	return platform.SMPPPart{MessageID: msg, PartNo: no, Parts: of, Provider: smsc, SMSCID: id, Updated: t0}
}

func receipt(status, stat string, ids ...string) platform.SMPPReceipt {
	return platform.SMPPReceipt{Provider: smsc, IDs: ids, Status: status, Stat: stat, At: t0.Add(time.Minute)}
}

func record(t *testing.T, db *store.DB, p platform.SMPPPart) *platform.SMPPReport {
	t.Helper()
	r, err := db.RecordSMPPPart(context.Background(), p, t0)
	must(t, err)
	return r
}

func apply(t *testing.T, db *store.DB, r platform.SMPPReceipt) (bool, *platform.SMPPReport) {
	t.Helper()
	matched, rep, err := db.ApplySMPPReceipt(context.Background(), r, t0)
	must(t, err)
	return matched, rep
}

// TestSMPPReceiptOutcomes: a message is DELIVERED when every part is,
// FAILED at the first failed part, decided once; repeated and non-final
// receipts change nothing.
func TestSMPPReceiptOutcomes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, part("msg_1", 1, 1, "a1"))
		if ok, rep := apply(t, db, receipt(platform.PartSubmitted, "stat:ENROUTE err:000", "a1")); !ok || rep != nil {
			t.Fatalf("ENROUTE: matched %v, report %+v; want matched, no report", ok, rep)
		}
		ok, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "a1"))
		if !ok || rep == nil || !rep.Delivered || rep.MessageID != "msg_1" || rep.SMSCID != "a1" || rep.Stat != "stat:DELIVRD err:000" {
			t.Fatalf("DELIVRD: matched %v, report %+v", ok, rep)
		}
		if ok, rep := apply(t, db, receipt(platform.PartFailed, "stat:UNDELIV err:001", "a1")); !ok || rep != nil {
			t.Errorf("a receipt after the final one: matched %v, report %+v; want no report", ok, rep)
		}

		// Three parts: delivered only when all are.
		for i, id := range []string{"b1", "b2", "b3"} {
			record(t, db, part("msg_2", i+1, 3, id))
		}
		for _, id := range []string{"b1", "b3"} {
			if _, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", id)); rep != nil {
				t.Fatalf("report after part %s of 3: %+v", id, rep)
			}
		}
		if _, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "b2")); rep == nil || !rep.Delivered {
			t.Fatalf("report after the last part = %+v, want delivered", rep)
		}

		// Failed at the first failed part; later parts decide nothing.
		record(t, db, part("msg_3", 1, 2, "c1"))
		record(t, db, part("msg_3", 2, 2, "c2"))
		_, rep = apply(t, db, receipt(platform.PartFailed, "stat:UNDELIV err:001", "c2"))
		if rep == nil || rep.Delivered || rep.SMSCID != "c2" || rep.Stat != "stat:UNDELIV err:001" {
			t.Fatalf("report after a failed part = %+v, want failed by c2", rep)
		}
		if _, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "c1")); rep != nil {
			t.Errorf("second report for one message: %+v", rep)
		}
		parts, err := db.SMPPParts(ctx, "msg_3")
		must(t, err)
		if len(parts) != 2 || parts[0].Status != platform.PartDelivered || parts[1].Status != platform.PartFailed ||
			parts[1].Stat != "stat:UNDELIV err:001" || parts[0].PartNo != 1 {
			t.Errorf("parts = %+v", parts)
		}
	})
}

// TestSMPPHeldReceipts: a final receipt for an id not yet recorded is held
// (under each candidate id) and applied when the part is recorded; a
// non-final one is not held; the exact id wins over another reading.
func TestSMPPHeldReceipts(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		// The receipt says 2587 (decimal); the submit_sm_resp said a1b (hex).
		if ok, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "2587", "a1b")); ok || rep != nil {
			t.Fatalf("unknown id: matched %v, report %+v", ok, rep)
		}
		if n := countRows(t, db, "smpp_held_receipts"); n != 2 {
			t.Fatalf("%d held rows, want one per candidate id (2)", n)
		}
		rep := record(t, db, part("msg_h", 1, 1, "a1b"))
		if rep == nil || !rep.Delivered || rep.MessageID != "msg_h" {
			t.Fatalf("record matched no held receipt: %+v", rep)
		}
		if n := countRows(t, db, "smpp_held_receipts"); n != 0 {
			t.Errorf("%d held rows left after the match", n)
		}
		if rep := record(t, db, part("msg_h", 1, 1, "a1b")); rep != nil {
			t.Errorf("recording the same id again reported again: %+v", rep)
		}
		if p, err := db.SMPPParts(context.Background(), "msg_h"); err != nil || len(p) != 1 || p[0].Status != platform.PartDelivered {
			t.Errorf("recording the same id again reset the part: %+v %v", p, err)
		}

		apply(t, db, receipt(platform.PartSubmitted, "stat:ENROUTE err:000", "zz"))
		if n := countRows(t, db, "smpp_held_receipts"); n != 0 {
			t.Errorf("a non-final receipt was held")
		}

		// "10" as decimal and "a" (its hex) both exist: the exact id wins.
		record(t, db, part("msg_dec", 1, 1, "10"))
		record(t, db, part("msg_hex", 1, 1, "a"))
		if _, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "10", "a")); rep == nil || rep.MessageID != "msg_dec" {
			t.Errorf("report = %+v, want msg_dec (exact id)", rep)
		}

		// Another provider's ids are its own.
		other := receipt(platform.PartDelivered, "stat:DELIVRD err:000", "a")
		other.Provider = "other"
		if ok, _ := apply(t, db, other); ok {
			t.Error("a receipt matched another provider's part")
		}

		// A resend replaces the part's id: the old id no longer matches.
		record(t, db, part("msg_r", 1, 1, "old"))
		record(t, db, part("msg_r", 1, 1, "new"))
		if ok, _ := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "old")); ok {
			t.Error("the replaced id still matched")
		}
		if _, rep := apply(t, db, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "new")); rep == nil {
			t.Error("the new id did not match")
		}
	})
}

// TestSMPPReports: queued outcomes are claimed when due, under a lease,
// counted, finished, retried and pruned.
func TestSMPPReports(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, part("msg_1", 1, 1, "a1"))
		lease := t0.Add(30 * time.Second)
		if _, _, err := db.ApplySMPPReceipt(ctx, receipt(platform.PartDelivered, "stat:DELIVRD err:000", "a1"), lease); err != nil {
			t.Fatal(err)
		}
		claim := func(now time.Time) []platform.SMPPReport {
			t.Helper()
			rs, err := db.ClaimSMPPReports(ctx, smsc, now, now.Add(time.Minute), 10)
			must(t, err)
			return rs
		}
		if due, err := db.HasDueSMPPReports(ctx, smsc, t0); err != nil || due {
			t.Fatalf("due under the lease: %v %v", due, err)
		}
		if rs := claim(t0); len(rs) != 0 {
			t.Fatalf("claimed under the lease: %+v", rs)
		}
		rs := claim(lease)
		if len(rs) != 1 || rs[0].MessageID != "msg_1" || !rs[0].Delivered || rs[0].Attempts != 1 || rs[0].Provider != smsc {
			t.Fatalf("claim = %+v", rs)
		}
		if rs := claim(lease); len(rs) != 0 {
			t.Fatalf("claimed twice: %+v", rs)
		}
		must(t, db.RetrySMPPReport(ctx, "msg_1", lease))
		if rs := claim(lease); len(rs) != 1 || rs[0].Attempts != 2 {
			t.Fatalf("after retry: %+v", rs)
		}
		if rs, err := db.ClaimSMPPReports(ctx, "other", lease.Add(time.Hour), lease.Add(2*time.Hour), 10); err != nil || len(rs) != 0 {
			t.Fatalf("another provider claimed: %+v %v", rs, err)
		}
		must(t, db.FinishSMPPReport(ctx, "msg_1"))
		if rs := claim(lease.Add(time.Hour)); len(rs) != 0 {
			t.Fatalf("claimed a finished report: %+v", rs)
		}

		// Prune: a held receipt past its bound is dropped and counted; old
		// parts and reports go.
		apply(t, db, receipt(platform.PartFailed, "stat:UNDELIV err:001", "123", "7b"))
		record(t, db, part("msg_2", 1, 1, "b1"))
		apply(t, db, receipt(platform.PartFailed, "stat:UNDELIV err:001", "b1")) // an unfinished report
		held, reports, err := db.PruneSMPP(ctx, smsc, t0, t0)
		must(t, err)
		if held != 0 || reports != 0 {
			t.Errorf("pruned before the bound: %d held, %d reports", held, reports)
		}
		held, reports, err = db.PruneSMPP(ctx, smsc, t0.Add(time.Hour), t0.Add(time.Hour))
		must(t, err)
		if held != 1 || reports != 1 {
			t.Errorf("pruned %d held receipts and %d unfinished reports, want 1 and 1", held, reports)
		}
		for _, table := range []string{"smpp_held_receipts", "smpp_parts", "smpp_reports"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%d rows left in %s", n, table)
			}
		}
	})
}
