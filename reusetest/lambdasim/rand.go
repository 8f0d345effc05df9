package lambdasim

import "math/rand/v2"

// Rand is the simulator's source of randomness: one seeded PCG generator,
// so a seed reproduces a run. It calls the PCG directly rather than through
// rand.Rand's Source interface, which lets the compiler inline the hot
// draws; Float64 returns exactly what rand.Rand.Float64 would.
type Rand struct {
	pcg *rand.PCG
	std *rand.Rand // the same generator, for the rarer draws
}

// NewRand returns the generator for seed.
func NewRand(seed uint64) *Rand {
	pcg := rand.NewPCG(seed, 0x1a3bda5eed)
	return &Rand{pcg: pcg, std: rand.New(pcg)}
}

// Uint64 returns a uniform 64-bit value.
func (r *Rand) Uint64() uint64 { return r.pcg.Uint64() }

// Float64 returns a uniform value in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.pcg.Uint64()<<11>>11) / (1 << 53) }

// IntN returns a uniform value in [0, n).
func (r *Rand) IntN(n int) int { return r.std.IntN(n) }

// NormFloat64 returns a standard normal value.
func (r *Rand) NormFloat64() float64 { return r.std.NormFloat64() }

// ExpFloat64 returns an exponential value of mean 1.
func (r *Rand) ExpFloat64() float64 { return r.std.ExpFloat64() }
