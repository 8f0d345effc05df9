// Package endpoint calls a deployed probe: over HTTP (a Function URL or an
// API Gateway URL, optionally SigV4-signed) or through the Lambda Invoke
// API. Each endpoint fills a record.Record per call, classifies failures, reads
// response bodies with a size cap, and never puts a secret (URL user-info,
// query values, signed headers) into a record, an error or its description.
//
// Its files: http.go (the HTTP endpoint), invoke.go (the Invoke API endpoint)
// and body.go (the probe's answer read into a record, failures classified,
// endpoints described without secrets).
package endpoint
