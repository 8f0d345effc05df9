// Package lambdasim models one AWS Lambda function's pool of execution
// environments, in virtual time.
//
// Pool is the model: environments are created on demand, serve one call at
// a time, wait idle between calls, and die by idle eviction or on reaching
// their maximum lifetime (retired when next idle, never mid-call); an
// environment of a tenant serves that tenant only; on Managed Instances an
// environment serves many calls at once and a scaler, not the calls,
// starts and stops environments. It never
// reads a clock: every method takes the current time from its caller, so the
// same model serves the discrete-event simulation here (Simulate) and
// real-time drivers that feed it wall-clock time.
//
// Profile holds the model's parameters; each default cites its source.
//
// Its files: pool.go (the Pool, placement rules and retirement causes),
// managed.go (Managed Instances: the profile part and the scaler),
// profile.go (the Profile and the built-in ones), profilefile.go (profile
// files: the one reader and its limits), dist.go (distributions), rand.go
// (the seeded generator), feed.go (a schedule's calls, read ahead for
// traces), simulate.go (the discrete-event simulation) and server.go (the
// model served over HTTP in real time, as simlambda does).
package lambdasim
