package metrics

import "time"

// ShapingAt is Shaping on the clock now, for tests of the cache.
func (m *Metrics) ShapingAt(read ShapingRead, defaultMPS float64, now func() time.Time) {
	m.reg.MustRegister(&shapingCollector{read: read, defaultMPS: defaultMPS, ttl: shapingTTL, now: now})
}
