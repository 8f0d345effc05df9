package stats

// Golden is SplitMix64's increment: the fractional part of the golden
// ratio, as a 64-bit integer.
const Golden = 0x9e3779b97f4a7c15

// Mix64 is SplitMix64's finalizer: a bijection of z whose outputs pass as
// independent uniform draws for successive inputs (z, z+Golden, ...).
// Every seeded draw of the harness that must be a function of its index
// alone (Poisson gaps, a trace's spread, the fitter's sampling) is one.
func Mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uniform is a draw in (0, 1), never 0 or 1, from a mixed value: its top
// 53 bits, centred in their interval.
func Uniform(z uint64) float64 { return (float64(z>>11) + 0.5) / (1 << 53) }
