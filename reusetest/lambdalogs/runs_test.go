package lambdalogs

import (
	"math"
	"math/rand/v2"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestRunCodecRoundTrips: items packed one after another into a run read
// back the same, in any order of any values (the ends of every field
// included), each within maxPacked bytes; a run cut short reads as no
// item, never as a wrong one.
func TestRunCodecRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick64, pick32 := pickers(rng)
	var items []item
	for range 20_000 {
		items = append(items, item{t: pick64(), id: rng.Uint64(), req: rng.Uint64(), dur: pick64(), stream: pick32(),
			tenant: pick32(), init: pick32(), memUsed: pick32(), memSize: pick32(), errType: uint16(pick32()),
			version: uint16(pick32()), seq: pick32(), kind: uint8(rng.Uint32()), status: uint8(rng.Uint32()),
			initTyp: uint8(rng.Uint32()), flags: uint8(rng.Uint32())})
	}
	var enc runCodec
	var run []byte
	for i := range items {
		before := len(run)
		run = enc.append(run, &items[i])
		assert.Assert(t, len(run)-before <= maxPacked, "item %d packs into %d bytes", i, len(run)-before)
	}
	var dec runCodec
	b := run
	for i := range items {
		var it item
		n := dec.read(b, &it)
		assert.Assert(t, n > 0, "item %d", i)
		assert.Assert(t, is.Equal(it, items[i]), "item %d", i)
		b = b[n:]
	}
	assert.Check(t, is.Len(b, 0))
	// Cut short anywhere within an item, it does not read.
	var first runCodec
	one := first.append(nil, &items[0])
	for cut := range len(one) {
		var d runCodec
		var it item
		assert.Check(t, is.Equal(d.read(one[:cut], &it), 0), "cut at %d", cut)
	}
}

// TestCallStoreRoundTrips: calls past memCalls go to the store's file
// packed, and come back the same and in order, whatever their values (the
// ends of every field included); each packs within maxPackedCall bytes,
// and one cut short reads as no call.
func TestCallStoreRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick64, pick32 := pickers(rng)
	calls := make([]call, memCalls+5000)
	for i := range calls {
		calls[i] = call{start: pick64(), done: pick64(), initAt: pick64(), inv: pick64(), dur: pick64(), gen: pick32(),
			stream: pick32(), tenant: pick32(), initUS: pick32(), memUsed: pick32(), memSize: pick32(),
			errType: uint16(pick32()), version: uint16(pick32()), status: uint8(rng.Uint32()), initTyp: uint8(rng.Uint32()),
			flags: uint8(rng.Uint32())}
	}
	s := newCallStore(t.TempDir(), int64(len(calls)))
	defer s.close()
	for i := range calls {
		assert.NilError(t, s.add(&calls[i]))
	}
	assert.NilError(t, s.flush())
	assert.Assert(t, s.f != nil, "the calls past memCalls are on disk")
	i := 0
	assert.NilError(t, s.each(func(cl *call) error {
		assert.Assert(t, is.Equal(*cl, calls[i]), "call %d", i)
		i++
		return nil
	}))
	assert.Check(t, is.Equal(i, len(calls)))
	assert.Check(t, is.Equal(s.n, int64(len(calls))))
	var enc callCodec
	for i := range calls {
		n := len(enc.append(nil, &calls[i]))
		assert.Assert(t, n <= maxPackedCall, "call %d packs into %d bytes", i, n)
	}
	var first callCodec
	one := first.append(nil, &calls[0])
	for cut := range len(one) {
		var d callCodec
		var cl call
		assert.Check(t, is.Equal(d.read(one[:cut], &cl), 0), "cut at %d", cut)
	}
}

// pickers draw values for packing tests: the ends of the field's range and
// zero often, else moderate values of either sign.
func pickers(rng *rand.Rand) (func() int64, func() uint32) {
	pick64 := func() int64 {
		switch rng.IntN(6) {
		case 0:
			return math.MinInt64
		case 1:
			return math.MaxInt64
		case 2:
			return 0
		}
		return rng.Int64N(1<<50) - 1<<49
	}
	pick32 := func() uint32 {
		switch rng.IntN(5) {
		case 0:
			return math.MaxUint32
		case 1:
			return 0
		}
		return rng.Uint32N(1 << 20)
	}
	return pick64, pick32
}
