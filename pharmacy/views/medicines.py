"""App API: the medication catalogue (what can be prescribed, stocked and reviewed), searchable."""
from flask.views import MethodView

from core.auth import require_role
from core.blueprint import Blueprint
from core.pagination import page_of
from pharmacy import catalogue
from pharmacy.catalogue_schemas import MedicineQuerySchema, MedicineSchema

bp = Blueprint("medicines", __name__, url_prefix="/api/v1", description="The medication catalogue")


@bp.route("/medicines")
class Medicines(MethodView):
    @require_role()
    @bp.doc(operationId="listMedicines")
    @bp.arguments(MedicineQuerySchema, location="query")
    @bp.response(200, page_of(MedicineSchema))
    def get(self, query):
        """The catalogue's medications by name, filtered by `q` (code, name or Chinese name), with their strength,
        the label's limits, whether they are restricted and where the facts come from."""
        page = query["page"]
        return page.answer(page.cut(catalogue.search(query.get("q"))))
