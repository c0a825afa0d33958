"""Every router of this service, in one list for `main.create_app`."""

from reporting_service.board_pack.routes import router as board_pack_router
from reporting_service.dossier.routes import router as dossier_router
from reporting_service.evidence.routes import router as evidence_router
from reporting_service.exports.routes import router as exports_router
from reporting_service.portfolio.routes import router as portfolio_router

routers = [portfolio_router, evidence_router, board_pack_router, dossier_router, exports_router]
