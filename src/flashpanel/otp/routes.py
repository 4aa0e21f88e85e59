routes: list[object] = []
