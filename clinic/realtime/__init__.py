"""Socket.IO for the clinic: the authenticated `/consult` namespace, per-user rooms, pushes that wait
for the commit, and the watch that closes connections whose token died.

Public surface: `clinic.realtime.services`.
"""
