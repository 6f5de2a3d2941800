package testwait_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud/internal/testwait"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the calling goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls wait with a fatalRecorder on a goroutine of its own and returns
// the failure message ("" when wait returned).
func run(wait func(testing.TB)) string {
	f := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait(f)
	}()
	<-done
	return f.msg
}

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		start := time.Now()
		msg := run(func(tb testing.TB) {
			testwait.Eventually(tb, time.Minute, func() bool { return calls.Add(1) == 3 }, "the third call")
		})
		if msg != "" {
			t.Fatalf("failed: %s", msg)
		}
		if got, want := time.Since(start), 2*testwait.Interval; got != want {
			t.Errorf("returned after %v, want %v (two polls)", got, want)
		}
	})
}

func TestEventuallyFailsAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		msg := run(func(tb testing.TB) {
			testwait.Eventually(tb, 5*time.Second, func() bool { return false }, "never")
		})
		if want := "not within 5s: never"; msg != want {
			t.Errorf("message %q, want %q", msg, want)
		}
		if waited := time.Since(start); waited < 5*time.Second || waited > 5*time.Second+testwait.Interval {
			t.Errorf("gave up after %v, want 5s", waited)
		}
	})
}

func TestEventuallyDescribeReportsTheStateAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		msg := run(func(tb testing.TB) {
			testwait.EventuallyDescribe(tb, time.Second, func() bool { n++; return false },
				func() string { return fmt.Sprintf("%d checks", n) })
		})
		if !strings.HasPrefix(msg, "not within 1s: ") || !strings.HasSuffix(msg, " checks") || strings.Contains(msg, ": 0 checks") {
			t.Errorf("message %q, want the count at the deadline", msg)
		}
	})
}
