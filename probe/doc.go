// Package probe is the Lambda function of the experiment: it reports which
// execution environment served each call, and nothing else.
//
// Identity is created once per process (one process is one execution
// environment): a random instance id, the time of init and the host's boot
// id. Each call increments the environment's invocation counter. The
// response is an allow-list of fields (Response); the probe never echoes
// environment variables, headers or credentials.
//
// Its files: doc.go, and probe.go (the identity, the request and its
// front-door shapes, the handler). The protocol callers share with it (the
// limits, fields, headers and the answer) is in probe/protocol.
package probe
