#pragma once
// Structs passed by reference (T&) or pointer (T*): the callee's writes land in the caller's
// variable or array element.
struct State {
  unsigned int counter;
  float last;
};
__device__ inline void state_init(unsigned int seed, State* s) { s->counter = seed; s->last = 0.f; }
__device__ inline float state_next(State& s) {
  s.counter = s.counter * 1664525u + 1013904223u;
  s.last = (s.counter >> 8) * (1.0f / 16777216.0f);
  return s.last;
}
__device__ inline float state_peek(const State& s) { return s.last; }
__device__ inline void state_swap(State& a, State& b) { State t = a; a = b; b = t; }
