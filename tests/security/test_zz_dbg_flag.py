from security.test_hostile_text import *
from security.test_hostile_text import _author, _flag, _latest
def test_dbg(app, client, login_as, make_user, open_round):
    ctx = Ctx(app, client, login_as(Role.RESIDENT, display_name="Gewone naam"), open_round, make_user)
    _author(ctx)
    r = _flag(ctx, "hallo")
    print(r.status_code, r.location)
    print(client.get(r.location).get_data(as_text=True)[-3000:])
    print(db.session.scalars(select(Flag)).all())
    assert 0
