package store

// ShapingQueuesSQL is the query of ShapingSnapshot's queues, for
// query-plan tests.
const ShapingQueuesSQL = shapingQueuesSQL
