import t from 'tap'
import { ABO_TYPES, aboGroup, isAuthorised, isWeakASubtype, type Centre } from '../engine/domain/index.js'

t.test('ABO subtypes fold into their group', async (t) => {
  t.same(ABO_TYPES.map(aboGroup), ['O', 'A', 'A', 'A', 'B', 'AB', 'AB', 'AB'])
  t.same(ABO_TYPES.filter(isWeakASubtype), ['A2', 'A2B'])
})

t.test('a centre is authorised only inside an unsuspended interval for that organ and activity', async (t) => {
  const centre: Centre = {
    id: 'C1', name: 'Centre 1', country: 'NL', region: 'NL-1', latitudeDeg: 52, longitudeDeg: 5,
    authorisations: [
      { organType: 'kidney', activity: 'transplant', validFrom: '2024-01-01', validUntil: '2024-12-31', suspended: false },
      { organType: 'liver', activity: 'transplant', validFrom: '2024-01-01', suspended: true },
      { organType: 'heart', activity: 'transplant', validFrom: '2020-01-01', suspended: false }
    ]
  }
  t.ok(isAuthorised(centre, 'kidney', 'transplant', '2024-06-01T10:00:00Z'))
  t.ok(isAuthorised(centre, 'kidney', 'transplant', '2024-12-31'))
  t.notOk(isAuthorised(centre, 'kidney', 'transplant', '2025-01-01'))
  t.notOk(isAuthorised(centre, 'kidney', 'transplant', '2023-12-31'))
  t.notOk(isAuthorised(centre, 'kidney', 'recovery', '2024-06-01'))
  t.notOk(isAuthorised(centre, 'liver', 'transplant', '2024-06-01'))
  t.ok(isAuthorised(centre, 'heart', 'transplant', '2031-06-01'))
})
