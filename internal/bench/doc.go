// Package bench is the reproducible benchmark behind `redcloud bench`: it
// starts the server as a child process on a fresh database (or drives one
// already running), loads it over loopback from this process with a bounded
// load, and reports for each scenario the throughput, exact p50/p90/p99
// latency, errors and the server's peak resident memory, beside a baseline —
// a bare net/http handler that decodes the same send JSON and answers the
// same 202 body without authentication or storage — driven by the same load
// generator, so that every number is also a ratio to what the machine can do.
//
// Method:
//
//   - The server and the baseline run as child processes of the same binary
//     (`serve --addr 127.0.0.1:0 --rate-limit 0 --sandbox-delay 0s …` and the
//     hidden `bench baseline-server`), one after the other, never at the same
//     time. Children are separate processes so that their resident memory can
//     be read from /proc/<pid>/status (VmRSS sampled every 100 ms, VmHWM at
//     the end) and so that the baseline pays what the server pays: its own
//     scheduler and garbage collector, loopback TCP, and a CPU shared with the
//     load generator. The REDCLOUD_* variables of the environment are not
//     passed to them: the server runs with exactly the flags given.
//   - Closed-loop scenarios run Concurrency workers, each sending its next
//     request when the previous answer arrives, for Warmup (not counted) and
//     then Duration. A request counts when it started inside the measured
//     window; throughput is its successful (2xx) answers divided by the time
//     from the window's start to the last answer. Latencies of successful
//     requests are all kept and the percentiles computed exactly from the
//     sorted samples (nearest rank).
//   - The load uses a raw net/http client whose Transport keeps Concurrency
//     idle connections to the host, so connections are reused; the Go
//     client's own overhead is measured by the root package's benchmarks.
//   - e2e is open loop: sends start at a fixed rate whatever the answers, and
//     each message's latency runs from just before its send request to the
//     arrival of its message.delivery webhook at a receiver in this process
//     (verified with the webhook package).
//   - dispatch sends a burst of messages as fast as the server accepts them
//     (10 recipients per send) with the receiver configured, then counts the
//     webhook deliveries per second arriving after the burst, while the
//     pipeline works off the backlog; see the scenario's note in the report.
//   - Each row also shows the CPU cores used during the scenario by the
//     server, by this process (load generator and receiver), by a local
//     PostgreSQL server, and by everything else on the machine: the machine
//     is shared by both sides of the benchmark, and a busy "other" column
//     says the run was disturbed.
//   - Between scenarios Run waits until the server's queues (the
//     redcloud_queue_* gauges at /metrics) are empty, so that one scenario's
//     backlog does not load the next.
package bench
