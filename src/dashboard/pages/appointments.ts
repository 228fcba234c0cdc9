// Appointments (member+): one day of the business's holds and bookings in its time zone, with
// status, staff and customer, and the two final actions a person takes at the front desk: cancel
// (a hold or a booking) and no-show (once the appointment has started). Both go through the booking
// service, which audits them with the signed-in user as the actor.
import { DateTime } from 'luxon';
import type { Appointment } from '../../domain/appointments/appointments.types.js';
import { parseBoundary } from '../../domain/appointments/slots.js';
import { invalidArgument } from '../../shared/errors.js';
import { html } from '../../shared/html.js';
import { businessPath, csrfField, type PageContext, type PageModule, queryText, seeOther } from '../context.js';
import { listTable, renderPage } from '../layout.js';

/** More than a day of any business holds; a day with more shows a note rather than a silent cut. */
const DAY_LIMIT = 100;

export const appointmentsPages: PageModule = (routes, { db, domain }) => {
  /** The day asked for (YYYY-MM-DD in the business's zone; today by default) as an instant range. */
  function dayOf(ctx: PageContext) {
    const zone = ctx.state.business.timezone;
    const text = queryText(ctx, 'date') || DateTime.fromJSDate(domain.clock(), { zone }).toISODate()!;
    const from = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseBoundary(text, zone, 'from') : null;
    if (!from) throw invalidArgument('Day: give a date as YYYY-MM-DD.');
    const day = DateTime.fromISO(text, { zone });
    return { text, zone, from, to: parseBoundary(text, zone, 'to')!, previous: day.minus({ days: 1 }).toISODate()!, next: day.plus({ days: 1 }).toISODate()! };
  }

  const timeOf = (a: Appointment, zone: string) => DateTime.fromJSDate(a.startsAt, { zone }).toFormat('h:mm a');

  async function render(ctx: PageContext) {
    const { business } = ctx.state;
    const day = dayOf(ctx);
    const rows = await db.forBusiness(business.id, (tx) =>
      domain.appointments.list(tx, business.id, { from: day.from, to: day.to, earliestFirst: true }, { limit: DAY_LIMIT, offset: 0 }),
    );
    const now = domain.clock();
    const list = rows.slice(0, DAY_LIMIT);
    const action = (a: Appointment, path: string, label: string) =>
      html`<form method="post" action="${businessPath(ctx, `/appointments/${a.id}/${path}?date=${day.text}`)}" class="inline">${csrfField(ctx)}<button type="submit">${label}</button></form>`;
    renderPage(ctx, {
      title: 'Appointments',
      active: 'appointments',
      body: html`<h1>Appointments</h1>
<form method="get" action="${businessPath(ctx, '/appointments')}" class="filters">
<div><label for="date">Day</label><input id="date" name="date" type="date" value="${day.text}"></div>
<div class="actions"><button type="submit">Show</button></div>
</form>
<p class="actions"><a href="${businessPath(ctx, `/appointments?date=${day.previous}`)}">Previous day</a> <a href="${businessPath(ctx, `/appointments?date=${day.next}`)}">Next day</a></p>
${listTable({
  caption: `Appointments on ${day.text}; times in ${day.zone}`,
  columns: ['Time', 'Type', 'Staff', 'Customer', 'Status', 'Actions'],
  rows: list.map((a) => {
    const when = timeOf(a, day.zone);
    const who = a.leadName ?? 'customer';
    return [
      html`<time datetime="${a.startsAt.toISOString()}">${when}</time>`,
      a.appointmentTypeName,
      a.staffName ?? '—',
      a.leadName ?? '—',
      a.status.replace('_', '-'),
      html`${a.status === 'booked' || a.status === 'held' ? action(a, 'cancel', `Cancel ${when} ${who}`) : ''}${
        (a.status === 'booked' || a.status === 'completed') && a.startsAt <= now ? action(a, 'no-show', `No-show ${when} ${who}`) : ''
      }`,
    ];
  }),
  empty: 'No appointments on this day.',
})}
${rows.length > DAY_LIMIT ? html`<p class="muted">Showing the first ${DAY_LIMIT}; use list_appointments for the rest.</p>` : ''}`,
    });
  }

  routes.get('/appointments', 'member', (ctx) => render(ctx));

  const act = (path: string, run: (ctx: PageContext, appointmentId: string) => Promise<unknown>) =>
    routes.post(`/appointments/:id/${path}`, 'member', async (ctx) => {
      await run(ctx, ctx.params.id!);
      seeOther(ctx, businessPath(ctx, `/appointments?date=${dayOf(ctx).text}`));
    });

  act('cancel', (ctx, appointmentId) =>
    domain.appointments.cancel({ businessId: ctx.state.business.id, actor: { kind: 'user', userId: ctx.state.user.id }, appointmentId, reason: 'Cancelled in the dashboard' }),
  );
  act('no-show', (ctx, appointmentId) => domain.appointments.markNoShow({ businessId: ctx.state.business.id, actor: { kind: 'user', userId: ctx.state.user.id }, appointmentId }));
};
