// Admin console: staff accounts, institutions and doctors, schedules, risk rule-set versions, and the
// reports with charts. Each section is its own module; this one starts them once an admin is logged in.
import { startConsole } from './lib/session.js';
import { initDoctors } from './admin-doctors.js';
import { initInstitutions } from './admin-institutions.js';
import { initReports } from './admin-reports.js';
import { initRules } from './admin-rules.js';
import { initSchedules } from './admin-schedules.js';
import { initUsers } from './admin-users.js';

startConsole({ roles: ['admin'], onReady });

async function onReady(me) {
  initSchedules(); // fills its choosers when the institutions arrive
  await Promise.all([initUsers(me), initInstitutions(), initDoctors(), initRules(), initReports()]);
}
