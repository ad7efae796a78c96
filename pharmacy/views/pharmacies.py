"""App API: the pharmacy directory and stock levels."""
from flask.views import MethodView

from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import PageQuerySchema, everything, page_of
from pharmacy import pharmacies, stock
from pharmacy.schemas import (NearQuerySchema, PharmacyCreateSchema, PharmacySchema, StockItemSchema,
                              StockUpdateSchema)

bp = Blueprint("pharmacies", __name__, url_prefix="/api/v1", description="Cooperating pharmacies and stock")


def _stock_view(rows):
    return [{"code": r.code, "system": r.system, "name": r.name, "form": r.form, "strength": r.strength,
             "on_hand": r.on_hand, "reserved": r.reserved, "available": r.on_hand - r.reserved,
             "updated_at": r.updated_at} for r in rows]


@bp.route("/pharmacies")
class Pharmacies(MethodView):
    @require_role()
    @bp.doc(operationId="listPharmacies")
    @bp.arguments(NearQuerySchema, location="query")
    @bp.response(200, page_of(PharmacySchema))
    def get(self, query):
        """Cooperating pharmacies near LAT,LON, nearest first, with distance and whether they are open now."""
        lat, lon = (float(part) for part in query["near"].split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(422, "validation_error", "near is out of range.", title="Request validation failed",
                           errors=[{"field": "near", "message": "latitude -90..90, longitude -180..180"}])
        page = query["page"]
        return page.answer(page.cut(pharmacies.find_near(lat, lon, query["radius_km"])))

    @require_role("admin")
    @bp.doc(operationId="createPharmacy")
    @bp.errors({409: "The pharmacy code is already in use."})
    @bp.arguments(PharmacyCreateSchema)
    @bp.response(201, PharmacySchema)
    def post(self, body):
        """Create a pharmacy with its hours (admins)."""
        return pharmacies.view_pharmacy(pharmacies.create_pharmacy(body))


@bp.route("/pharmacies/<string:pharmacy_id>/stock")
class PharmacyStock(MethodView):
    @require_role("pharmacist", "admin")
    @bp.doc(operationId="listPharmacyStock")
    @bp.errors({404: "No such pharmacy, or not yours."})
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(StockItemSchema))
    def get(self, query, pharmacy_id):
        """Stock of a pharmacy: on hand, reserved for accepted orders, available (its pharmacists, admins)."""
        stock.load_pharmacy(current_actor(), pharmacy_id)
        page = query["page"]
        return page.answer(_stock_view(page.cut(stock.list_stock(pharmacy_id))))

    @require_role("pharmacist", "admin")
    @bp.doc(operationId="updatePharmacyStock")
    @bp.errors({
        404: "No such pharmacy, or not yours.",
        409: "Stock was reserved or changed meanwhile: nothing was changed.",
    })
    @bp.arguments(StockUpdateSchema, example={"items": [{"code": "C08CA01", "on_hand": 120}]})
    @bp.response(200, page_of(StockItemSchema))
    def put(self, body, pharmacy_id):
        """Bulk stock update, JSON items or CSV text, validated whole first: all rows apply or none.

        Listed medications get the given on_hand (rows are created as needed); unlisted rows stay.
        """
        stock.load_pharmacy(current_actor(), pharmacy_id, "update")
        if ("items" in body) == ("csv" in body):
            raise ApiError(422, "validation_error", "Send either items or csv.", title="Request validation failed",
                           errors=[{"field": "items", "message": "give exactly one of items, csv"}])
        rows = body["items"] if "items" in body else stock.parse_csv(body["csv"])
        return everything(_stock_view(stock.update_stock(pharmacy_id, rows)))
