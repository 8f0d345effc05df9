// Package minheap provides a binary min-heap of plain values. Unlike
// container/heap it does not box values in interfaces, so pushing allocates
// nothing once the backing slice has grown: it suits per-call hot paths.
package minheap

// Heap is a min-heap ordered by Less. Build one with New.
type Heap[T any] struct {
	items []T
	less  func(a, b T) bool
}

// New returns an empty heap ordered by less.
func New[T any](less func(a, b T) bool) Heap[T] { return Heap[T]{less: less} }

// Len is the number of values held.
func (h *Heap[T]) Len() int { return len(h.items) }

// Peek returns the smallest value; the heap must not be empty.
func (h *Heap[T]) Peek() T { return h.items[0] }

// Items returns the values in heap order, not sorted. The caller must not
// change the slice.
func (h *Heap[T]) Items() []T { return h.items }

// Clone returns an independent copy.
func (h *Heap[T]) Clone() Heap[T] {
	return Heap[T]{items: append([]T(nil), h.items...), less: h.less}
}

// Push adds x.
func (h *Heap[T]) Push(x T) {
	h.items = append(h.items, x)
	for i := len(h.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h.less(h.items[i], h.items[parent]) {
			break
		}
		h.items[i], h.items[parent] = h.items[parent], h.items[i]
		i = parent
	}
}

// Pop removes and returns the smallest value; the heap must not be empty.
func (h *Heap[T]) Pop() T {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	var zero T
	h.items[last] = zero // drop references held by the value
	h.items = h.items[:last]
	for i := 0; ; {
		l, r, smallest := 2*i+1, 2*i+2, i
		if l < last && h.less(h.items[l], h.items[smallest]) {
			smallest = l
		}
		if r < last && h.less(h.items[r], h.items[smallest]) {
			smallest = r
		}
		if smallest == i {
			return top
		}
		h.items[i], h.items[smallest] = h.items[smallest], h.items[i]
		i = smallest
	}
}
