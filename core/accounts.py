"""Accounts: patient self-registration with real-name data, staff accounts, login and logout."""
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from core import auth, ratelimit
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.identity import IdentityError, age_on, normalise_phone, parse_id_number
from core.models import User
from core.passwords import WeakPassword, check_policy, hash_password, verify_password
from core.transaction import serialise_on
from core.types import new_id

STAFF_LINKS = {"doctor": "practitioner_id", "pharmacist": "pharmacy_id", "admin": None, "regulator": None,
               "nurse": None}  # a nurse joins an institution through /api/v1/nursing/nurses
# What each link names, for the 422 of a link to nothing; the domains register the existence checks.
LINK_KINDS = {"practitioner_id": "practitioner", "pharmacy_id": "pharmacy"}
# A practitioner is one person: one active account. A pharmacy has several pharmacists (not exclusive).
EXCLUSIVE_LINKS = ("practitioner_id",)
_link_targets = {}  # link field -> fn(id) -> bool

# Called with the new User inside the registration transaction; returns the FHIR Patient id.
# records registers the function that writes the Patient resource.
_patient_record_factory = None
_patient_identifier_sync = None


def set_patient_record_factory(factory):
    """Install `factory(user) -> patient_id`, which writes the patient's FHIR Patient resource."""
    global _patient_record_factory
    _patient_record_factory = factory


def set_patient_identifier_sync(sync):
    """Install `sync(user, actor)`, which rewrites the identity number on the user's FHIR Patient."""
    global _patient_identifier_sync
    _patient_identifier_sync = sync


def register_link_target(kind, exists):
    """Install `exists(id) -> bool` for staff links of `kind` ("practitioner" or "pharmacy"): clinic's
    directory and pharmacy register theirs at start-up (core knows no domain)."""
    field = next(field for field, name in LINK_KINDS.items() if name == kind)
    _link_targets[field] = exists


def _check_link(field, value, user_id=None, verify_target=True):
    """422 `unknown_<kind>` when the link names nothing a domain knows; 409 `link_taken` when another active
    account holds an exclusive link (checked under a lock on the link, so two admins cannot both pass)."""
    kind = LINK_KINDS[field]
    exists = _link_targets.get(field)
    if verify_target and exists is not None and not exists(value):
        raise ApiError(422, f"unknown_{kind}", f"No {kind} with this id exists.", title="Unknown link target",
                       errors=[{"field": field, "message": f"no {kind} with this id"}])
    if field not in EXCLUSIVE_LINKS:
        return
    serialise_on(f"staff-link:{field}:{value}")
    holder = db.session.scalar(select(User.id).where(
        getattr(User, field) == value, User.is_active.is_(True), User.id != (user_id or "")).limit(1))
    if holder:
        raise ApiError(409, "link_taken", f"Another active account is already linked to this {kind}.",
                       field=field, user_id=holder)


def _field_error(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.",
                    title="Request validation failed", errors=[{"field": field, "message": message}])


def checked_password(password):
    """The password if it meets the policy, else 422 on the `password` field."""
    try:
        check_policy(password)
    except WeakPassword as exc:
        raise _field_error("password", str(exc)) from None
    return password


def checked_phone(phone):
    """The phone's 11 digits, or 422 on the `phone` field."""
    try:
        return normalise_phone(phone)
    except IdentityError as exc:
        raise _field_error("phone", str(exc)) from None


def patient_fields(name, id_number, phone, password, gender=None):
    """A patient's registration data checked and normalised (422 naming the field that is wrong)."""
    try:
        id_number, birth_date, derived_gender = parse_id_number(id_number)
    except IdentityError as exc:
        raise _field_error("id_number", str(exc)) from None
    phone = checked_phone(phone)
    if gender is not None and gender != derived_gender:
        raise _field_error("gender", "does not agree with the identity number")
    checked_password(password)
    return {"name": name.strip(), "id_number": id_number, "phone": phone, "password": password,
            "gender": derived_gender, "birth_date": birth_date}


def account_with_phone(phone, active_only=False, lock=False):
    """The account with this phone (as its phone or, for a patient, its login name), or None; `lock` holds its
    row until the transaction ends."""
    query = select(User).where(or_(User.phone == phone, User.username == phone))
    if active_only:
        query = query.where(User.is_active.is_(True))
    query = query.limit(1)
    return db.session.scalar(query.with_for_update() if lock else query)


def phone_taken(phone):
    """True when an account, active or not, has this phone."""
    return account_with_phone(phone) is not None


def holder_of_id_number(id_number):
    """The account holding `id_number`, or None."""
    return db.session.scalar(select(User).where(User.id_number == id_number))


def create_patient(fields, with_id_number=True):
    """Insert the patient account of `patient_fields` and its FHIR Patient; without `with_id_number`, the
    account carries the birth date and gender the number gives but not the number (an identity claim)."""
    user = User(id=new_id(), role="patient", username=fields["phone"], password_hash=hash_password(fields["password"]),
                name=fields["name"], id_number=fields["id_number"] if with_id_number else None,
                phone=fields["phone"], gender=fields["gender"], birth_date=fields["birth_date"])
    db.session.add(user)
    _flush_or_conflict()
    user.patient_id = _patient_record_factory(user) if _patient_record_factory else new_id()
    db.session.flush()
    return user


def register_patient(name, id_number, phone, password, gender=None):
    """Create a patient account directly (seeds, benchmarks, fixtures: trusted loaders; the public API goes
    through core.registration); 422 on invalid data, 409 on a duplicate."""
    fields = patient_fields(name, id_number, phone, password, gender)
    clash = db.session.scalar(select(User.id).where(
        or_(User.id_number == fields["id_number"], User.phone == fields["phone"], User.username == fields["phone"])))
    if clash:
        raise ApiError(409, "account_exists", "An account with this identity number or phone already exists.")
    return create_patient(fields)


def move_id_number(user, id_number, actor):
    """Set (or, with None, take away) the account's identity number and rewrite its FHIR Patient's identifier."""
    user.id_number = id_number
    db.session.flush()
    if _patient_identifier_sync and user.patient_id:
        _patient_identifier_sync(user, actor)


def create_staff(role, username, password, name, practitioner_id=None, pharmacy_id=None, phone=None,
                 check_links=False):
    """Create a doctor, pharmacist, nurse or admin account; 409 when the username is taken. With `check_links` (the
    admin API), the link must name a practitioner or pharmacy that exists (422) and, for a practitioner, one
    no other active account holds (409 `link_taken`); loaders (seeds, fixtures, bench) skip the checks."""
    if role not in STAFF_LINKS:
        raise _field_error("role", "must be one of doctor, pharmacist, admin, nurse, regulator")
    link = STAFF_LINKS[role]
    links = {"practitioner_id": practitioner_id, "pharmacy_id": pharmacy_id}
    if link and not links[link]:
        raise _field_error(link, f"is required for a {role}")
    if phone is not None:
        phone = checked_phone(phone)
    checked_password(password)
    if link and check_links:
        _check_link(link, links[link])
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ApiError(409, "account_exists", "That username is taken.")
    user = User(id=new_id(), role=role, username=username, password_hash=hash_password(password),
                name=name.strip(), phone=phone,
                practitioner_id=practitioner_id if role == "doctor" else None,
                pharmacy_id=pharmacy_id if role == "pharmacist" else None)
    db.session.add(user)
    _flush_or_conflict()
    return user


def set_active(admin, user_id, active):
    """Activate or deactivate an account (an admin's act, audited). Deactivating refuses its logins and
    revokes every live token in the same transaction, so its open Socket.IO connections are closed too
    (clinic.realtime.token_watch). An admin cannot deactivate their own account: someone must be left to undo it."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise ApiError(404, "not_found", "No such user.")
    if not active and user.id == admin.user_id:
        raise ApiError(409, "own_account", "You cannot deactivate your own account.")
    if active and not user.is_active:
        for field in EXCLUSIVE_LINKS:
            if getattr(user, field):
                _check_link(field, getattr(user, field), user.id, verify_target=False)
    if user.is_active != active:
        user.is_active = active
        revoked = 0 if active else auth.revoke_user_tokens(user.id)
        record_access(admin, "activate" if active else "deactivate", f"User/{user.id}",
                      detail={"tokens_revoked": revoked})
        db.session.flush()
    return user


def _flush_or_conflict():
    # The unique constraints decide races that the pre-check above cannot see.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ApiError(409, "account_exists", "An account with these details already exists.") from None


def login(username, password, address):
    """Check credentials (throttled, no user enumeration); return (user, token, expires_in)."""
    username = (username or "").strip()
    ratelimit.check_login_allowed(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None and username:
        try:  # patients may type their phone with a +86 prefix or spaces
            user = db.session.scalar(select(User).where(User.username == normalise_phone(username)))
        except IdentityError:
            pass
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or not user.is_active:
        ratelimit.record_login_failure(username, address)
        raise ApiError(401, "invalid_credentials", "The username or password is incorrect.")
    ratelimit.record_login_success(username, address)
    token, expires_in = auth.issue_token(user)
    return user, token, expires_in


def patient_briefs(patient_ids, today):
    """{patient_id: {name, sex, birth_date, age}} from the patients' accounts (who the patient in a list is)."""
    wanted = {pid for pid in patient_ids if pid}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.patient_id, User.name, User.gender, User.birth_date)
                              .where(User.patient_id.in_(wanted)))
    return {pid: {"name": name, "sex": sex, "birth_date": born.isoformat() if born else None,
                  "age": age_on(born.isoformat(), today) if born else None} for pid, name, sex, born in rows}
