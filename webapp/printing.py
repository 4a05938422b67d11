"""QR codes for printed stickers, slips and posters: error correction Q, drawn as compact inline SVG."""
import qrcode
from flask import current_app, request, url_for
from markupsafe import Markup


def printed_url(endpoint: str, **values) -> str:
    """The absolute URL a printed code carries: on PUBLIC_BASE_URL if set, else the host being browsed."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def qr_svg(data: str, label: str = "") -> Markup:
    """One <path> of horizontal runs: a fifth of the size of the library's module-per-square SVG."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg class="qr" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{Markup.escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>'
    )
