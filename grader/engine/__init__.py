"""The reference math: activations, losses and a fully connected network, as small pure functions.

Everything here is float64 numpy and free of I/O. The network's backpropagation is written as a
table of named steps (`Steps`) so that the mistake catalogue can swap one step for a known-wrong
version and compute what a student with that mistake would return.
"""
