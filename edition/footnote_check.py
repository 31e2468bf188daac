"""Check where footnotes land in a laid-out WeasyPrint document; patch the bugs that lose them."""

from dataclasses import dataclass

from weasyprint.formatting_structure.boxes import FootnoteAreaBox


@dataclass(frozen=True)
class Problem:
    """One note misplaced in the laid-out document; pages are 1-based, None if absent."""

    note_id: str
    call_page: int | None
    placed_page: int | None
    # 'lost', 'no call', 'duplicated', 'before its call', 'out of order' or 'unexpected'
    reason: str

    @property
    def message(self):
        """Say what went wrong, e.g. 'lost: called on page 3, placed on no page'."""
        def page(number):
            return 'no page' if number is None else f'page {number}'
        return (f'{self.reason}: called on {page(self.call_page)}, '
                f'placed on {page(self.placed_page)}')


def _calls(box):
    """Yield the ::footnote-call boxes in box, in document order."""
    if (getattr(box, 'element_tag', None) or '').endswith('::footnote-call'):
        yield box  # its children (the number's text) repeat its element_tag
        return
    for child in getattr(box, 'children', None) or ():
        yield from _calls(child)


def _note_id(box):
    """Return the id of the element with float: footnote that box comes from."""
    return None if box.element is None else box.element.get('id')


def _collect(document):
    """Return {note id: [call pages]} and {note id: [(page, index in the area)]}."""
    calls, placed = {}, {}
    for number, page in enumerate(document.pages, start=1):
        for child in page._page_box.children:
            if isinstance(child, FootnoteAreaBox):
                # Each child of the @footnote area is one note's body (CSS GCPM 3).
                for index, note in enumerate(child.children):
                    placed.setdefault(_note_id(note), []).append((number, index))
                continue
            for call in _calls(child):
                calls.setdefault(_note_id(call), []).append(number)
    return calls, placed


def _out_of_order(note_ids, placed):
    """Return the ids of notes placed after a note whose call comes later."""
    result, first_later = set(), (float('inf'), 0)
    for note_id in reversed(note_ids):
        if spots := placed.get(note_id):
            if spots[0] > first_later:
                result.add(note_id)
            first_later = min(first_later, spots[0])
    return result


def _reasons(call_pages, spots, out_of_order):
    """Return what is wrong with one note, given where it is called and placed."""
    reasons = [] if call_pages else ['no call']
    if not spots:
        return reasons + ['lost']
    if len(spots) > 1 or len(call_pages) > 1:
        reasons.append('duplicated')
    if call_pages and spots[0][0] < call_pages[0]:
        reasons.append('before its call')
    if out_of_order:
        reasons.append('out of order')
    return reasons


def verify_footnotes(document, note_ids):
    """Return the problems with the notes named by note_ids, given in document order.

    Each note must be called once and placed once, on its call's page or a later
    one (GCPM lets a note move on when the page is full), in the order of the calls.
    """
    calls, placed = _collect(document)
    out_of_order = _out_of_order(note_ids, placed)
    problems = []
    for note_id in note_ids:
        call_pages, spots = calls.get(note_id, []), placed.get(note_id, [])
        problems.extend(
            Problem(note_id, call_pages[0] if call_pages else None,
                    spots[0][0] if spots else None, reason)
            for reason in _reasons(call_pages, spots, note_id in out_of_order))
    for note_id in sorted(set(placed) - set(note_ids), key=str):
        call_page = calls.get(note_id, [None])[0]
        problems.append(Problem(note_id, call_page, placed[note_id][0][0], 'unexpected'))
    return problems


def _place_lost_line_notes(context, lines, new_footnotes):
    """Lay out, then move to the next page, the notes of placed lines left waiting."""
    for line in lines:
        for box in line.descendants():
            if box.footnote is not None and box.footnote in context.footnotes:
                context.layout_footnote(box.footnote)
                # Notes were just moved to the next page to make room for this
                # line; this note comes after them, so it must move too (as
                # _linebox_layout does when context.reported_footnotes is not empty).
                context.report_footnote(box.footnote)
                new_footnotes.append(box.footnote)


def _sort_reported(context, order):
    """Put the notes moved to the next page back in the order of their calls."""
    rank = {note: index for index, note in enumerate(order)}
    context.reported_footnotes.sort(key=lambda note: rank.get(note, len(rank)))


# Why install_footnote_fix() is needed. Both bugs are in WeasyPrint 70.0,
# weasyprint/layout/block.py, _linebox_layout(), in the branch for a line that
# overflows the page ("if overflow:", lines 376-417). There WeasyPrint moves the
# page's last notes to the next page until the line fits (the loop "while report
# and context.current_page_footnotes:", line 399):
# - lost note: once the line fits, "new_children.append(line); stop = True;
#   break" (lines 403-405) leaves the loop over lines before "if
#   context.footnotes:" (line 431), which lays out the notes called from that
#   line. They stay in context.footnotes, and the line, now placed, is never laid
#   out again: the call is printed, the note never is.
# - note out of order: the loop appends the moved notes to
#   context.reported_footnotes and then reverses them (lines 411-415), which is
#   right only if that list was empty; a note carried over from the previous page
#   and moved again lands after notes called later, a page or more too late.
# The fix wraps _linebox_layout rather than copying its 140 lines: afterwards it
# lays out and moves on the notes the placed lines left waiting, then sorts the
# moved notes by call order, which is known without the document: the page's
# notes precede those already moved, which precede the notes called from the
# lines just laid out (new_footnotes, in call order).


def install_footnote_fix():
    """Patch WeasyPrint 70.0 so that no footnote is lost or moved out of order.

    Applying it twice is harmless; another WeasyPrint version raises RuntimeError,
    as the patch depends on 70.0's code.
    """
    import weasyprint
    from weasyprint.layout import block

    if getattr(block._linebox_layout, 'edition_footnote_fix', False):
        return
    if weasyprint.__version__ != '70.0':
        raise RuntimeError(
            f'footnote fix written for WeasyPrint 70.0, found {weasyprint.__version__}')
    original = block._linebox_layout

    def _linebox_layout(context, box, index, child, new_children, *args):
        first_new = len(new_children)
        order = [*context.current_page_footnotes, *context.reported_footnotes]
        result = original(context, box, index, child, new_children, *args)
        new_footnotes = result[4]  # notes laid out by this call, in call order
        _place_lost_line_notes(context, new_children[first_new:], new_footnotes)
        if context.reported_footnotes:
            _sort_reported(context, order + new_footnotes)
        return result

    _linebox_layout.edition_footnote_fix = True
    # block_container_layout() looks the name up in the module at each call.
    block._linebox_layout = _linebox_layout
    _install_overflow_tolerance()


# Why _install_overflow_tolerance() is needed. WeasyPrint 70.0,
# weasyprint/layout/__init__.py, LayoutContext._update_footnote_area(), tells
# whether a page's notes overflow the footnote area by comparing two float sums
# exactly ("overflow = last_child_bottom > footnote_area_bottom"). Sums of the
# same lengths in another order can differ by rounding (2.3e-13 px seen with a
# 2mm padding-top on @footnote): every note then "overflows" and is moved on,
# and as a page's later notes follow a moved one (block.py, line 441), the notes
# drift to one per page at the end of the document. The wrapper checks a
# reported overflow again with a tolerance far below a printer's dot.

OVERFLOW_TOLERANCE = 0.01  # CSS px


def _install_overflow_tolerance():
    """Make LayoutContext._update_footnote_area ignore overflows of a rounding error."""
    from math import inf

    from weasyprint.formatting_structure import build
    from weasyprint.layout import LayoutContext, block_level_layout

    original = LayoutContext._update_footnote_area
    if getattr(original, 'edition_footnote_fix', False):
        return

    def _update_footnote_area(self):
        overflow = original(self)
        if overflow:  # lay the area out again, as the original does, to measure by how much
            area = block_level_layout(
                self, build.create_anonymous_boxes(self.current_footnote_area.deepcopy()),
                -inf, None, self.current_footnote_area.page)[0]
            last = area.children[-1]
            excess = ((last.position_y + last.margin_height() - last.margin_bottom) -
                      (area.position_y + area.margin_height() - area.margin_bottom))
            overflow = excess > OVERFLOW_TOLERANCE
        return overflow

    _update_footnote_area.edition_footnote_fix = True
    LayoutContext._update_footnote_area = _update_footnote_area
