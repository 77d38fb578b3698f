"""The HTTP routes, as two Chalice blueprints: `resident` (public) and `staff` (bearer token). Each
route reads its body (`chalicelib.bodies`), calls one service and answers with one presenter."""
