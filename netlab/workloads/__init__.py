"""The processes that simulated pods run: small stand-ins for agnhost, serving sockets handed to them."""
