"""Work at the desk beside the state transitions: assign the current step to one officer, hand in
a supplement on the applicant's behalf, add documents to a dossier before its receipt.

Each is one POST on the processing page, answered like the actions of ``views/actions.py``: the
re-rendered panel for htmx (with the error in place and its status), otherwise a redirect back to
the page (or the page with the error). The services decide; :func:`desk_offers` only hides the
forms the services would refuse.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.core.accounts.models import User, UserKind
from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import as_principal, can
from tinhso.dossiers import errors, selectors, services
from tinhso.dossiers.models import DossierState, DossierStep, SupplementRequest
from tinhso.dossiers.views import common

# The largest number of officers listed in the assignment select (an agency's staff for one role).
MAX_CANDIDATES = 300


@dataclass
class DocumentSlot:
    """A required document of the procedure with its file input, and how many files it has."""

    id: int
    name: str
    required: bool
    accepts: str
    present: int
    input_name: str


@dataclass
class DeskOffers:
    """What the officer may do at the desk on this dossier now, beside the panel's actions."""

    assign_step: DossierStep | None = None
    candidates: list[User] = field(default_factory=list)
    supplement: SupplementRequest | None = None
    supplement_items: list[dict] = field(default_factory=list)
    add_documents: bool = False
    slots: list[DocumentSlot] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return self.assign_step is not None or self.supplement is not None or self.add_documents


def desk_offers(actor, dossier, step: DossierStep | None) -> DeskOffers:
    """``dossier`` comes with its history (``common.with_history``); ``step`` is its open current
    step, if any (``Offers.step``)."""
    offers = DeskOffers()
    if as_principal(actor).kind != "officer":
        return offers
    if step is not None and can(actor, "dossiers.assign", step):
        offers.assign_step = step
        offers.candidates = list(selectors.step_candidates(step)[:MAX_CANDIDATES])
    may_supplement = can(actor, "dossiers.supplement", dossier)
    if may_supplement and dossier.state == DossierState.AWAITING_SUPPLEMENT:
        offers.supplement = next(
            (s for s in reversed(list(dossier.supplement_requests.all())) if s.fulfilled_at is None), None
        )
        if offers.supplement is not None:
            offers.supplement_items = [
                {"name": item.get("name", ""), "note": item.get("note", ""), "input_name": f"item_{index}"}
                for index, item in enumerate(offers.supplement.items or [])
            ]
    if may_supplement and dossier.state == DossierState.SUBMITTED:
        offers.add_documents = True
        present = Counter(d.required_document_id for d in dossier.documents.all())
        offers.slots = [
            DocumentSlot(
                id=doc.pk,
                name=doc.name,
                required=doc.is_required,
                accepts=", ".join(str(kind) for kind in (doc.accepts or [])),
                present=present.get(doc.pk, 0),
                input_name=f"doc_{doc.pk}",
            )
            for doc in dossier.procedure.documents.all().order_by("order")
        ]
    return offers


# --- Answering a desk POST --------------------------------------------------------------------


def _version(request: HttpRequest) -> int | None:
    raw = (request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


def _respond(request: HttpRequest, code: str, name: str, run: Callable) -> HttpResponse:
    """Run ``run(dossier)`` (which returns the success notice) and answer as the panel's actions do."""
    from tinhso.dossiers.views.actions import _error_text, _panel, work_context

    dossier = common.dossier_for(request, code)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        notice = run(dossier)
    except DomainError as error:
        context = work_context(
            request, dossier, error=_error_text(request, error), failed_action=name, posted=request.POST
        )
        if htmx:
            return _panel(request, context, error.status)
        context.update(common.workspace_nav(request, ""), answers=common.answers(context["dossier"]))
        return render(request, "dossiers/work/detail.html", context, status=error.status)
    if htmx:
        return _panel(request, work_context(request, dossier, notice=notice), 200)
    messages.success(request, notice)
    return redirect("dossiers:work_detail", code=dossier.code)


# --- Assign the current step ------------------------------------------------------------------


def _officer(raw: str | None) -> User:
    try:
        public_id = uuid.UUID((raw or "").strip())
    except ValueError:
        public_id = None
    officer = User.objects.filter(public_id=public_id, kind=UserKind.OFFICER).first() if public_id else None
    if officer is None:
        raise errors.invalid(
            "invalid_assignee",
            "Hãy chọn cán bộ được phân công trong danh sách.",
            "Choose the officer to assign from the list.",
            field="assignee",
        )
    return officer


@permission_view("dossiers.assign")
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    """A leader or one-stop officer of the step's agency assigns the current step to one of its
    officers holding the step's role (``services.assign_step``)."""

    def run(dossier) -> str:
        officer = _officer(request.POST.get("assignee"))
        step = services.assign_step(
            actor=request.user, dossier=dossier, assignee=officer, expected_version=_version(request)
        )
        return _("Đã giao bước “%(step)s” cho %(name)s.") % {
            "step": step.name,
            "name": officer.full_name or officer.username,
        }

    return _respond(request, code, "assign", run)


# --- Supplement handed in at the desk ---------------------------------------------------------


@permission_view("dossiers.supplement")
@require_POST
def supplement_at_desk(request: HttpRequest, code: str) -> HttpResponse:
    """The one-stop officer hands in the supplement the applicant brought to the counter: the
    scanned files for each requested item, other files, a note (``services.fulfil_supplement``)."""

    def run(dossier) -> str:
        open_request = (
            SupplementRequest.objects.filter(dossier=dossier, fulfilled_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        documents = []
        for index, item in enumerate(open_request.items if open_request else []):
            for upload in request.FILES.getlist(f"item_{index}"):
                documents.append(
                    services.DocumentInput(
                        required_document_id=item.get("required_document_id"),
                        upload=upload,
                        name=str(item.get("name") or upload.name)[:500],
                    )
                )
        for upload in request.FILES.getlist("extra"):
            documents.append(services.DocumentInput(upload=upload, name=upload.name[:500]))
        services.fulfil_supplement(
            actor=request.user,
            dossier=dossier,
            documents=documents,
            note=request.POST.get("note", ""),
            expected_version=_version(request),
        )
        return _("Đã nhận hồ sơ bổ sung tại quầy (%(count)s tệp); hồ sơ tiếp tục được giải quyết.") % {
            "count": len(documents)
        }

    return _respond(request, code, "desk_supplement", run)


# --- Documents added before receipt -----------------------------------------------------------


@permission_view("dossiers.supplement")
@require_POST
def add_documents_at_desk(request: HttpRequest, code: str) -> HttpResponse:
    """The one-stop officer adds the files the applicant brought to a dossier not yet received,
    one input per required document plus "other documents" (``services.add_documents``)."""

    def run(dossier) -> str:
        documents = []
        for doc in dossier.procedure.documents.all().order_by("order"):
            for upload in request.FILES.getlist(f"doc_{doc.pk}"):
                documents.append(services.DocumentInput(required_document_id=doc.pk, upload=upload))
        for upload in request.FILES.getlist("doc_other"):
            documents.append(services.DocumentInput(upload=upload, name=upload.name[:500]))
        rows = services.add_documents(
            actor=request.user, dossier=dossier, documents=documents, expected_version=_version(request)
        )
        return _("Đã thêm %(count)s tệp vào hồ sơ.") % {"count": len(rows)}

    return _respond(request, code, "desk_documents", run)
