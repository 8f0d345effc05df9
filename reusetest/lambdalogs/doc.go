// Package lambdalogs reads the logs every Lambda function already writes
// (an export of its CloudWatch Logs group) into the project's records: one
// record per call, its environment the log stream, its runtime generation
// (init or reset to the next reset) the instance id, so that the summary,
// the report, the fit and a replay of the function's own traffic work on
// them unchanged (docs/your-function.md).
//
// Its files: export.go (the export: the JSON `aws logs filter-log-events`
// prints, or JSON Lines of its events, streamed), message.go (a message
// in Lambda's text format, every runtime's and era's), jsonmessage.go (a
// message in Lambda's JSON format), runs.go (the events as fixed-size
// items, sorted in memory or in spilled runs and merged, in time order),
// pass.go (the one pass in time order that makes the calls, with each
// stream's state, and the calls kept in start order) and read.go (Read,
// the options, the skip reasons, the calls as records and as a trace).
package lambdalogs
