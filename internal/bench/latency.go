package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Latency summarises the latencies of one scenario, computed exactly from
// every sample.
type Latency struct {
	// Count is the number of samples.
	Count int
	// Mean is their arithmetic mean.
	Mean time.Duration
	// P50, P90 and P99 are nearest-rank percentiles (see Percentile).
	P50, P90, P99 time.Duration
	// Max is the largest sample.
	Max time.Duration
}

// Summarize sorts samples in place and returns their summary; the zero
// Latency for no samples.
func Summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum float64
	for _, d := range samples {
		sum += float64(d)
	}
	return Latency{
		Count: len(samples),
		Mean:  time.Duration(math.Round(sum / float64(len(samples)))),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted samples by
// the nearest-rank method: the smallest sample such that at least p percent
// of the samples are less than or equal to it — always one of the samples,
// never an interpolation. It returns the smallest sample for p ≤ 0, the
// largest for p ≥ 100, and 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p*n/100 rather than p/100*n: exact for integer p and n.
	rank := int(math.Ceil(p * float64(n) / 100))
	return sorted[min(max(rank, 1), n)-1]
}

// MarshalJSON encodes the summary with durations in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(latencyJSON{Count: l.Count, Mean: ms(l.Mean), P50: ms(l.P50), P90: ms(l.P90),
		P99: ms(l.P99), Max: ms(l.Max)})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var j latencyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Latency{Count: j.Count, Mean: fromMS(j.Mean), P50: fromMS(j.P50), P90: fromMS(j.P90),
		P99: fromMS(j.P99), Max: fromMS(j.Max)}
	return nil
}

type latencyJSON struct {
	Count int     `json:"count"`
	Mean  float64 `json:"meanMs"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// ms returns d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func fromMS(v float64) time.Duration { return time.Duration(math.Round(v * 1e6)) }

// Bucket is one bar of a latency histogram: Count samples in (the previous
// bucket's UpToMs, UpToMs].
type Bucket struct {
	UpToMs float64 `json:"upToMs"`
	Count  int64   `json:"count"`
}

// histogram buckets samples (sorting them in place) by upper bounds
// doubling from 0.25 ms, from the first bucket that holds a sample to the
// last.
func histogram(sorted []time.Duration) []Bucket {
	if len(sorted) == 0 {
		return nil
	}
	slices.Sort(sorted) // a no-op after Summarize
	var out []Bucket
	i := 0
	for up := 250 * time.Microsecond; i < len(sorted); up *= 2 {
		var n int64
		for ; i < len(sorted) && sorted[i] <= up; i++ {
			n++
		}
		if n > 0 || len(out) > 0 {
			out = append(out, Bucket{UpToMs: float64(up) / float64(time.Millisecond), Count: n})
		}
	}
	return out
}
