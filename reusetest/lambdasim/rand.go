package lambdasim

import (
	"math/bits"
	"math/rand/v2"
)

// Rand is the simulator's source of randomness: one seeded PCG generator,
// so a seed reproduces a run. It is math/rand/v2's PCG (128-bit state,
// DXSM output) with its state held in place, so a uniform draw inlines
// into the model's code rather than calling through rand.PCG; its values
// are those of rand.NewPCG(seed, pcgStream), and Float64 returns exactly
// what rand.Rand.Float64 would.
type Rand struct {
	hi, lo uint64
	std    *rand.Rand // the same generator, for the rarer draws
}

// pcgStream is the PCG's second seed word.
const pcgStream = 0x1a3bda5eed

// NewRand returns the generator for seed.
func NewRand(seed uint64) *Rand {
	r := &Rand{hi: seed, lo: pcgStream}
	r.std = rand.New(r)
	return r
}

// Uint64 returns a uniform 64-bit value: math/rand/v2's PCG.Uint64.
func (r *Rand) Uint64() uint64 {
	const (
		mulHi    = 2549297995355413924
		mulLo    = 4865540595714422341
		incHi    = 6364136223846793005
		incLo    = 1442695040888963407
		cheapMul = 0xda942042e4dd58b5
	)
	hi, lo := bits.Mul64(r.lo, mulLo)
	hi += r.hi*mulLo + r.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	r.hi, r.lo = hi, lo
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	return hi * (lo | 1)
}

// Float64 returns a uniform value in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()<<11>>11) / (1 << 53) }

// IntN returns a uniform value in [0, n).
func (r *Rand) IntN(n int) int { return r.std.IntN(n) }

// NormFloat64 returns a standard normal value.
func (r *Rand) NormFloat64() float64 { return r.std.NormFloat64() }

// ExpFloat64 returns an exponential value of mean 1.
func (r *Rand) ExpFloat64() float64 { return r.std.ExpFloat64() }
